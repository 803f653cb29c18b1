import type { Model } from 'mongoose';
import type { Database } from '../db/database.js';
import { ensureCollections } from '../scheduling/scheduling-models.js';
import { followUpAnswerSchema, followUpProposalSchema, type FollowUpAnswer, type FollowUpProposal } from './follow-up-models.js';

/** The programme's own collections (follow-up proposals and their answers), on the platform's connection. */
export class ProgrammeModels {
  private constructor(
    readonly proposals: Model<FollowUpProposal>,
    readonly answers: Model<FollowUpAnswer>,
  ) {}

  /** Binds the models (reusing them on a second bind) and makes sure their collections and indexes exist. */
  static async bind(db: Database): Promise<ProgrammeModels> {
    const connection = db.connection;
    const proposals =
      (connection.models.FollowUpProposal as Model<FollowUpProposal> | undefined) ?? connection.model('FollowUpProposal', followUpProposalSchema);
    const answers = (connection.models.FollowUpAnswer as Model<FollowUpAnswer> | undefined) ?? connection.model('FollowUpAnswer', followUpAnswerSchema);
    await ensureCollections([proposals, answers] as Model<unknown>[]);
    return new ProgrammeModels(proposals, answers);
  }
}
