import { addDays, calendarDateIn, type CheckinJournalData, type CheckinRecord, type StoredPlan } from '@care/shared';
import { score } from '../checkins/scoring.js';
import { PlanDocument } from '../plan/plan-document.js';

/*
 * The demo's sample of what only a device holds (issue 13): an improvement
 * plan half worked through, and three WHO-5 check-ins over two months that
 * show a change for the better. Made here, in the browser, for a demo
 * deployment only (the server says whether this is one); invented content,
 * never anyone's.
 */

export function samplePlan(now: Date, timeZone: string): StoredPlan {
  const plan = new PlanDocument(crypto.randomUUID());
  plan.setField('change', 'Menyelesaikan laporan bulanan tepat waktu tanpa lembur setiap malam.');
  plan.setField('why', 'Agar punya waktu untuk keluarga dan tidur cukup; saya lebih tenang dan fokus di kantor.');
  plan.setField('support', 'Atasan langsung (pembagian tugas), rekan satu tim, sesi konseling dua minggu sekali.');
  plan.setField('progress', 'Laporan selesai sebelum tanggal 5 dua bulan berturut-turut; pulang sebelum jam 17.30 empat hari seminggu.');
  const today = calendarDateIn(now, timeZone);
  const first = plan.addStep('Menulis daftar tugas setiap pagi, tiga yang terpenting dulu', addDays(today, -7))?.[0];
  plan.addStep('Membicarakan pembagian tugas dengan atasan', addDays(today, 7));
  plan.addStep('Berhenti memeriksa surel kantor setelah jam 19.00', addDays(today, 14));
  if (first && 'step' in first) plan.setStepDone(first.step, true);
  plan.addNote('Minggu ini daftar tugas membantu; dua hari pulang tepat waktu.', 'asn', addDaysIso(now, -3));
  return { record: plan.record(), counselorMayKeep: false };
}

export function sampleCheckins(now: Date): CheckinJournalData {
  const who5 = (daysAgo: number, answers: number[], sessionsUsed: number): CheckinRecord => ({
    id: crypto.randomUUID(),
    instrument: 'who5',
    answers,
    score: score('who5', answers).score,
    takenAt: addDaysIso(now, -daysAgo),
    sessionsUsed,
  });
  return {
    results: [who5(56, [1, 2, 1, 2, 2], 0), who5(28, [2, 3, 2, 2, 3], 2), who5(2, [3, 3, 3, 4, 3], 4)],
    suggested: [],
    contributedCycles: [],
  };
}

function addDaysIso(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString();
}
