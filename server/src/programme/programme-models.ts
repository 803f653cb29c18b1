import type { Model } from 'mongoose';
import type { Database } from '../db/database.js';
import { ensureCollections } from '../scheduling/scheduling-models.js';
import { evaluationClaimSchema, evaluationContributionSchema, type EvaluationClaim, type EvaluationContribution } from './evaluation-models.js';
import { followUpAnswerSchema, followUpProposalSchema, type FollowUpAnswer, type FollowUpProposal } from './follow-up-models.js';
import { sealedPassphraseCheckSchema, sealedPrivateNoteSchema, type SealedPassphraseCheck, type SealedPrivateNote } from './notes-models.js';

/** The programme's own collections (follow-up proposals and their answers; sealed private notes and passphrase checks; the evaluation's claims and contributions), on the platform's connection. */
export class ProgrammeModels {
  private constructor(
    readonly proposals: Model<FollowUpProposal>,
    readonly answers: Model<FollowUpAnswer>,
    readonly sealedNotes: Model<SealedPrivateNote>,
    readonly passphraseChecks: Model<SealedPassphraseCheck>,
    readonly evaluationClaims: Model<EvaluationClaim>,
    readonly evaluationContributions: Model<EvaluationContribution>,
  ) {}

  /** Binds the models (reusing them on a second bind) and makes sure their collections and indexes exist. */
  static async bind(db: Database): Promise<ProgrammeModels> {
    const connection = db.connection;
    const proposals =
      (connection.models.FollowUpProposal as Model<FollowUpProposal> | undefined) ?? connection.model('FollowUpProposal', followUpProposalSchema);
    const answers = (connection.models.FollowUpAnswer as Model<FollowUpAnswer> | undefined) ?? connection.model('FollowUpAnswer', followUpAnswerSchema);
    const sealedNotes =
      (connection.models.SealedPrivateNote as Model<SealedPrivateNote> | undefined) ?? connection.model('SealedPrivateNote', sealedPrivateNoteSchema);
    const passphraseChecks =
      (connection.models.SealedPassphraseCheck as Model<SealedPassphraseCheck> | undefined) ??
      connection.model('SealedPassphraseCheck', sealedPassphraseCheckSchema);
    // Typed as plain models: the schemas' options (no version key) make mongoose infer a narrower type.
    const evaluationClaims = (connection.models.EvaluationClaim ?? connection.model('EvaluationClaim', evaluationClaimSchema)) as unknown as Model<EvaluationClaim>;
    const evaluationContributions = (connection.models.EvaluationContribution ??
      connection.model('EvaluationContribution', evaluationContributionSchema)) as unknown as Model<EvaluationContribution>;
    await ensureCollections([proposals, answers, sealedNotes, passphraseChecks, evaluationClaims, evaluationContributions] as Model<unknown>[]);
    return new ProgrammeModels(proposals, answers, sealedNotes, passphraseChecks, evaluationClaims, evaluationContributions);
  }
}
