import type { Locale } from '../api/common.js';
import type { PolicyDocument } from '../api/policy.js';

/** R9a: the predefined questions, in every supported locale. Ids are stable forever. */
export const PREDEFINED_QUESTIONS: ReadonlyArray<{ id: string; text: Record<Locale, string> }> = [
  { id: 'p01', text: { en: 'In what city were you born?', ja: '生まれた市区町村はどこですか？' } },
  { id: 'p02', text: { en: 'What was the name of your first pet?', ja: '初めて飼ったペットの名前は何ですか？' } },
  { id: 'p03', text: { en: 'What was the name of your elementary school?', ja: '卒業した小学校の名前は何ですか？' } },
  { id: 'p04', text: { en: 'What is your favourite food?', ja: '好きな食べ物は何ですか？' } },
  { id: 'p05', text: { en: 'What was the make of your first car?', ja: '最初に乗った車のメーカーは何ですか？' } },
  { id: 'p06', text: { en: "What is your oldest cousin's first name?", ja: '一番年上のいとこの名前は何ですか？' } },
  { id: 'p07', text: { en: 'In what city did your parents meet?', ja: '両親が出会った市区町村はどこですか？' } },
  { id: 'p08', text: { en: 'What was your childhood nickname?', ja: '子どもの頃のあだ名は何ですか？' } },
  { id: 'p09', text: { en: 'What is the name of the street you grew up on?', ja: '育った家の前の通りの名前は何ですか？' } },
  { id: 'p10', text: { en: 'What was your first job?', ja: '最初に就いた仕事は何ですか？' } },
  { id: 'p11', text: { en: 'What is your favourite book?', ja: '好きな本の題名は何ですか？' } },
  { id: 'p12', text: { en: 'What was the name of your favourite teacher?', ja: '好きだった先生の名前は何ですか？' } },
];

/** A stable id for an administrator's custom question, derived from its text (FNV-1a). */
export function customQuestionId(text: string): string {
  let h = 0x811c9dc5;
  for (const ch of text.normalize('NFC')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `c${h.toString(16).padStart(8, '0')}`;
}

export interface QuestionText {
  id: string;
  text: string;
}

/** Every question a user may pick from under this policy: predefined, then custom (R9a). */
export function availableQuestions(policy: PolicyDocument['sspr']['securityQuestions'], locale: Locale): QuestionText[] {
  return [
    ...PREDEFINED_QUESTIONS.map((q) => ({ id: q.id, text: q.text[locale] })),
    ...policy.custom.map((text) => ({ id: customQuestionId(text), text })),
  ];
}

/** R9e: NFKC, case folding, trimming and collapsing inner white space. */
export function normalizeAnswer(answer: string): string {
  return answer.normalize('NFKC').toLowerCase().normalize('NFKC').trim().replace(/\s+/gu, ' ');
}

export type QuestionProblem =
  | { rule: 'count'; message: string }
  | { rule: 'unknownQuestion'; questionId: string; message: string }
  | { rule: 'duplicateQuestion'; questionId: string; message: string }
  | { rule: 'answerLength'; questionId: string; message: string }
  | { rule: 'duplicateAnswer'; questionId: string; message: string };

const MESSAGES: Record<Locale, Record<QuestionProblem['rule'], (n: number) => string>> = {
  en: {
    count: (n) => `Choose at least ${n} questions (at most 5).`,
    unknownQuestion: () => 'This question is not offered.',
    duplicateQuestion: () => 'Each question can be chosen only once.',
    answerLength: () => 'Answers are 3 to 40 characters.',
    duplicateAnswer: () => 'Use a different answer for each question.',
  },
  ja: {
    count: (n) => `質問を ${n} 個以上（5 個まで）選んでください。`,
    unknownQuestion: () => 'この質問は選べません。',
    duplicateQuestion: () => '同じ質問は 1 回しか選べません。',
    answerLength: () => '回答は 3〜40 文字です。',
    duplicateAnswer: () => '質問ごとに違う回答にしてください。',
  },
};

const ANSWER_MIN = 3;
const ANSWER_MAX = 40;
const MAX_REGISTERED_QUESTIONS = 5;

/** R9a–R9c: validates a registration; returns every problem (empty when fine). */
export function validateQuestionRegistration(
  answers: ReadonlyArray<{ questionId: string; answer: string }>,
  policy: PolicyDocument['sspr']['securityQuestions'],
  locale: Locale = 'en',
): QuestionProblem[] {
  const m = MESSAGES[locale];
  const problems: QuestionProblem[] = [];
  const required = policy.requiredToRegister;
  if (answers.length < required || answers.length > MAX_REGISTERED_QUESTIONS) {
    problems.push({ rule: 'count', message: m.count(required) });
  }
  const known = new Set(availableQuestions(policy, locale).map((q) => q.id));
  const seenQuestions = new Set<string>();
  const seenAnswers = new Set<string>();
  for (const { questionId, answer } of answers) {
    if (!known.has(questionId)) problems.push({ rule: 'unknownQuestion', questionId, message: m.unknownQuestion(0) });
    if (seenQuestions.has(questionId)) problems.push({ rule: 'duplicateQuestion', questionId, message: m.duplicateQuestion(0) });
    seenQuestions.add(questionId);
    const normalized = normalizeAnswer(answer);
    const length = [...normalized].length;
    if (length < ANSWER_MIN || length > ANSWER_MAX) {
      problems.push({ rule: 'answerLength', questionId, message: m.answerLength(0) });
    } else if (seenAnswers.has(normalized)) {
      problems.push({ rule: 'duplicateAnswer', questionId, message: m.duplicateAnswer(0) });
    }
    seenAnswers.add(normalized);
  }
  return problems;
}
