import { Schema, type InferSchemaType } from 'mongoose';

/**
 * One MLS epoch of a room's group, claimed by the commit that began it (or by
 * the group's start, at epoch 0). `{roomId, generation, epoch}` is unique, so
 * of two commits for one epoch exactly one can be inserted, whichever node
 * receives it: an insert under a unique index is atomic on FerretDB and
 * MongoDB alike, a conditional update is not (ENVIRONMENT.md). The generation
 * tells a group started afresh in the same room from the one before it, whose
 * epochs start again at 0. Metadata only: opaque room and peer ids, no key,
 * no message. Removed when the room ends.
 */
export const mlsEpochClaimSchema = new Schema(
  {
    roomId: { type: String, required: true, maxlength: 128 },
    generation: { type: String, required: true, maxlength: 64 },
    epoch: { type: Number, required: true, min: 0 },
    /** Who sits at which leaf from this epoch on, by leaf index; '' is a blank leaf. */
    leaves: { type: [String], required: true },
    /** Whose commit began the epoch; '' for the group's start. */
    committer: { type: String, default: '' },
    /** Peers the commit added (no longer waiting to be added again). */
    added: { type: [String], default: [] },
    /** Someone was still to be added or removed after the commit. */
    workRemains: { type: Boolean, default: false },
    /** When the epoch began (ms, the claiming node's clock); orders a room's generations. */
    at: { type: Number, required: true },
  },
  { strict: 'throw', collection: 'mls_epoch_claims' },
);
mlsEpochClaimSchema.index({ roomId: 1, generation: 1, epoch: 1 }, { unique: true });
mlsEpochClaimSchema.index({ roomId: 1, at: 1 });

export type MlsEpochClaim = InferSchemaType<typeof mlsEpochClaimSchema>;
