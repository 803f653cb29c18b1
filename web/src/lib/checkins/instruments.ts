import type { Instrument } from '@care/shared';

/** Wording in both languages the app speaks. */
export interface Wording {
  id: string;
  en: string;
}

export interface Question {
  text: Wording;
}

export interface AnswerOption {
  value: number;
  label: Wording;
}

export interface InstrumentDefinition {
  instrument: Instrument;
  title: Wording;
  /** The time frame and question the items answer. */
  stem: Wording;
  questions: Question[];
  options: AnswerOption[];
  /**
   * Where each wording comes from, shown under the questionnaire. The
   * Indonesian wording here is OUR working translation: the validated
   * Indonesian versions (the WHO-5 site's official translation; the PHQ
   * screeners site's Indonesian PHQ-9 and GAD-7) could not be read on the
   * offline machine this was built on, so none is claimed. Replace the
   * Indonesian text with the validated one before clinical use.
   */
  source: Wording;
}

const working = {
  id: 'Teks bahasa Indonesia di sini adalah terjemahan kerja tim CARE ASN, BELUM versi terjemahan tervalidasi; skor dan batasnya mengikuti instrumen aslinya.',
  en: 'The Indonesian text here is the CARE ASN team’s working translation, NOT the validated translation; scores and bands follow the original instrument.',
};

const frequency = (labels: Array<[string, string]>, values: number[]): AnswerOption[] =>
  labels.map(([id, en], i) => ({ value: values[i] as number, label: { id, en } }));

/**
 * WHO-5 Well-Being Index (1998 version), Psychiatric Research Unit, WHO
 * Collaborating Centre in Mental Health, Mental Health Centre North Zealand
 * (psykiatri-regionh.dk/who-5). English wording as published there.
 */
export const WHO5: InstrumentDefinition = {
  instrument: 'who5',
  title: { id: 'Kesejahteraan (WHO-5)', en: 'Well-being (WHO-5)' },
  stem: {
    id: 'Untuk tiap pernyataan, pilih yang paling mendekati perasaan Anda selama dua minggu terakhir.',
    en: 'For each statement, choose the answer closest to how you have been feeling over the last two weeks.',
  },
  questions: [
    { text: { id: 'Saya merasa ceria dan bersemangat', en: 'I have felt cheerful and in good spirits' } },
    { text: { id: 'Saya merasa tenang dan santai', en: 'I have felt calm and relaxed' } },
    { text: { id: 'Saya merasa aktif dan bertenaga', en: 'I have felt active and vigorous' } },
    { text: { id: 'Saya bangun dengan perasaan segar dan cukup istirahat', en: 'I woke up feeling fresh and rested' } },
    { text: { id: 'Keseharian saya diisi hal-hal yang menarik bagi saya', en: 'My daily life has been filled with things that interest me' } },
  ],
  options: frequency(
    [
      ['Sepanjang waktu', 'All of the time'],
      ['Sebagian besar waktu', 'Most of the time'],
      ['Lebih dari separuh waktu', 'More than half of the time'],
      ['Kurang dari separuh waktu', 'Less than half of the time'],
      ['Sesekali', 'Some of the time'],
      ['Tidak pernah', 'At no time'],
    ],
    [5, 4, 3, 2, 1, 0],
  ),
  source: {
    id: `Sumber: WHO-5 Well-Being Index (versi 1998), Psychiatric Research Unit, Mental Health Centre North Zealand (psykiatri-regionh.dk/who-5). ${working.id}`,
    en: `Source: WHO-5 Well-Being Index (1998 version), Psychiatric Research Unit, Mental Health Centre North Zealand (psykiatri-regionh.dk/who-5). ${working.en}`,
  },
};

const lastTwoWeeks = {
  id: 'Selama 2 minggu terakhir, seberapa sering Anda terganggu oleh masalah berikut?',
  en: 'Over the last 2 weeks, how often have you been bothered by any of the following problems?',
};

const phqOptions = frequency(
  [
    ['Tidak sama sekali', 'Not at all'],
    ['Beberapa hari', 'Several days'],
    ['Lebih dari separuh hari', 'More than half the days'],
    ['Hampir setiap hari', 'Nearly every day'],
  ],
  [0, 1, 2, 3],
);

const phqSource = (name: string): Wording => ({
  id: `Sumber: ${name}, Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke dkk. (phqscreeners.com; boleh dipakai tanpa izin). ${working.id}`,
  en: `Source: ${name}, Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues (phqscreeners.com; no permission required). ${working.en}`,
});

/** PHQ-9 (Patient Health Questionnaire), English wording as on phqscreeners.com. Item 9 (index 8) asks about self-harm. */
export const PHQ9: InstrumentDefinition = {
  instrument: 'phq9',
  title: { id: 'Suasana hati (PHQ-9)', en: 'Mood (PHQ-9)' },
  stem: lastTwoWeeks,
  questions: [
    { text: { id: 'Kurang tertarik atau kurang senang melakukan apa pun', en: 'Little interest or pleasure in doing things' } },
    { text: { id: 'Merasa murung, tertekan, atau putus asa', en: 'Feeling down, depressed, or hopeless' } },
    { text: { id: 'Sulit tidur atau sulit tetap tidur, atau terlalu banyak tidur', en: 'Trouble falling or staying asleep, or sleeping too much' } },
    { text: { id: 'Merasa lelah atau kurang bertenaga', en: 'Feeling tired or having little energy' } },
    { text: { id: 'Kurang nafsu makan atau makan berlebihan', en: 'Poor appetite or overeating' } },
    {
      text: {
        id: 'Merasa buruk tentang diri sendiri, atau merasa gagal, atau telah mengecewakan diri sendiri atau keluarga',
        en: 'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
      },
    },
    {
      text: {
        id: 'Sulit memusatkan perhatian, misalnya saat membaca koran atau menonton televisi',
        en: 'Trouble concentrating on things, such as reading the newspaper or watching television',
      },
    },
    {
      text: {
        id: 'Bergerak atau berbicara begitu lambat sampai orang lain bisa memperhatikannya; atau sebaliknya, begitu gelisah sampai Anda jauh lebih banyak bergerak dari biasanya',
        en: 'Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual',
      },
    },
    {
      text: {
        id: 'Pikiran bahwa lebih baik Anda mati, atau pikiran untuk menyakiti diri sendiri dengan cara apa pun',
        en: 'Thoughts that you would be better off dead or of hurting yourself in some way',
      },
    },
  ],
  options: phqOptions,
  source: phqSource('PHQ-9'),
};

/** GAD-7 (Generalized Anxiety Disorder 7-item scale), English wording as on phqscreeners.com. */
export const GAD7: InstrumentDefinition = {
  instrument: 'gad7',
  title: { id: 'Kecemasan (GAD-7)', en: 'Anxiety (GAD-7)' },
  stem: lastTwoWeeks,
  questions: [
    { text: { id: 'Merasa gugup, cemas, atau tegang', en: 'Feeling nervous, anxious, or on edge' } },
    { text: { id: 'Tidak mampu menghentikan atau mengendalikan rasa khawatir', en: 'Not being able to stop or control worrying' } },
    { text: { id: 'Terlalu mengkhawatirkan berbagai hal', en: 'Worrying too much about different things' } },
    { text: { id: 'Sulit untuk bersantai', en: 'Trouble relaxing' } },
    { text: { id: 'Begitu gelisah sampai sulit untuk duduk diam', en: 'Being so restless that it is hard to sit still' } },
    { text: { id: 'Menjadi mudah kesal atau mudah tersinggung', en: 'Becoming easily annoyed or irritable' } },
    { text: { id: 'Merasa takut seolah-olah sesuatu yang buruk akan terjadi', en: 'Feeling afraid, as if something awful might happen' } },
  ],
  options: phqOptions,
  source: phqSource('GAD-7'),
};

export const INSTRUMENT_DEFINITIONS: Record<Instrument, InstrumentDefinition> = { who5: WHO5, phq9: PHQ9, gad7: GAD7 };

/** PHQ-9's item 9 (thoughts of being better off dead or of self-harm), zero-based. */
export const PHQ9_SELF_HARM_ITEM = 8;
