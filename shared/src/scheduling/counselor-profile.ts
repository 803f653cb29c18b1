import { z } from 'zod';

/*
 * What an ASN may choose a counselor by, besides their free times: the
 * languages they hold sessions in and what they work with. Fixed lists of
 * codes — the web app names them in each UI language — never free text, so
 * the profile says nothing a counselor typed and stays scheduling metadata.
 */

/** Indonesian, English and eight regional languages (ISO 639 codes). */
export const counselorLanguages = ['id', 'en', 'jv', 'su', 'mad', 'min', 'bug', 'ban', 'bjn', 'bbc'] as const;
export const CounselorLanguage = z.enum(counselorLanguages, { message: `must be one of ${counselorLanguages.join(', ')}` });
export type CounselorLanguage = z.infer<typeof CounselorLanguage>;

/** What a counselor works with, as neutral codes. */
export const specialities = ['stres-kerja', 'konflik-kerja', 'keluarga', 'kecemasan', 'suasana-hati', 'duka', 'keuangan', 'trauma'] as const;
export const Speciality = z.enum(specialities, { message: `must be one of ${specialities.join(', ')}` });
export type Speciality = z.infer<typeof Speciality>;

/**
 * A counselor's gender, if they choose to state it (issue 13 §7: some people
 * would rather talk to a woman, or to a man). Optional; null when not stated.
 */
export const counselorGenders = ['female', 'male'] as const;
export const CounselorGender = z.enum(counselorGenders, { message: `must be one of ${counselorGenders.join(', ')}` });
export type CounselorGender = z.infer<typeof CounselorGender>;

/** A set of codes: repeats dropped, in the list's own order (so two saves of one choice store the same thing). */
function inListOrder<T extends string>(codes: readonly T[]): (chosen: T[]) => T[] {
  return (chosen) => codes.filter((code) => chosen.includes(code));
}

export const counselorProfileShape = {
  languages: z.array(CounselorLanguage).max(counselorLanguages.length).default([]).transform(inListOrder(counselorLanguages)),
  specialities: z.array(Speciality).max(specialities.length).default([]).transform(inListOrder(specialities)),
  gender: CounselorGender.nullable().default(null),
};

export const CounselorProfile = z.strictObject(counselorProfileShape);
export type CounselorProfile = z.output<typeof CounselorProfile>;
