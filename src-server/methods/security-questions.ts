import { createHmac, randomInt } from 'node:crypto';
import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { availableQuestions, customQuestionId, normalizeAnswer, PREDEFINED_QUESTIONS, validateQuestionRegistration } from '../../shared/rules/security-questions.js';
import { ProblemError } from '../errors.js';
import { hashSecret, verifySecret } from '../security/password-hash.js';
import type { HashParams } from '../security/password-hash.js';
import type { MethodKind } from './method-kind.js';
import type { MethodData } from '../store/method-store.js';

type QuestionsData = MethodData['securityQuestions'];

/** The text of a question in `locale`: predefined, the policy's custom one, or the wording kept at registration. */
export function questionText(id: string, policy: PolicyDocument, locale: Locale, kept?: string): string {
  const predefined = PREDEFINED_QUESTIONS.find((q) => q.id === id);
  if (predefined) return predefined.text[locale];
  return policy.sspr.securityQuestions.custom.find((t) => customQuestionId(t) === id) ?? kept ?? id;
}

/** R9d: `n` of `ids`, drawn at random (a fresh draw each time). */
export function drawQuestions(ids: readonly string[], n: number): string[] {
  const pool = [...ids];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, Math.min(n, pool.length));
}

/** The questions a decoy "registered": stable for its name (R13b), as many as the policy asks. */
export function decoyQuestionIds(seed: Buffer, policy: PolicyDocument): string[] {
  const rank = (id: string) => createHmac('sha256', seed).update(`question:${id}`).digest('hex');
  return availableQuestions(policy.sspr.securityQuestions, 'en')
    .map((q) => q.id)
    .sort((a, b) => rank(a).localeCompare(rank(b)))
    .slice(0, policy.sspr.securityQuestions.requiredToRegister);
}

function drawnIds(data: Record<string, unknown>): string[] {
  return Array.isArray(data.questionIds) ? (data.questionIds as string[]) : [];
}

/** Security questions (R9): N drawn at random, every answer compared after normalisation (R9e). */
export function createSecurityQuestionsMethod({ hashParams }: { hashParams: HashParams }): MethodKind {
  /** A hash no answer matches, checked against in decoy sessions so they cost what real ones do. */
  let dummyHash: Promise<string> | undefined;

  return {
    answeredWith: 'answers',
    verifyCounts: ['question.check'],
    validateStart(_type, channel) {
      if (channel) throw new ProblemError('invalid_request', 'Security questions have no channel.');
    },
    validateAnswer(data, input) {
      if (!('answers' in input)) throw new ProblemError('invalid_request', 'Answer the questions with `answers`.');
      const asked = drawnIds(data);
      const given = input.answers.map((a) => a.questionId);
      if (given.length !== asked.length || new Set(given).size !== given.length || !given.every((id) => asked.includes(id))) {
        throw new ProblemError('invalid_request', 'Answer exactly the questions this challenge asked, once each.');
      }
    },
    async start({ policy, target, decoySeed, locale }) {
      const registered: QuestionsData['questions'] = target
        ? (target.data as QuestionsData).questions
        : decoyQuestionIds(decoySeed, policy).map((questionId) => ({ questionId, answerHash: '' }));
      const drawn = drawQuestions(registered.map((q) => q.questionId), policy.sspr.securityQuestions.requiredToReset);
      const questions = drawn.map((id) => ({ id, text: questionText(id, policy, locale, registered.find((q) => q.questionId === id)?.text) }));
      return { codeHash: null, data: { questionIds: drawn }, reply: { questions }, counts: [], deliver: null };
    },
    async check({ target, input }) {
      if (!('answers' in input)) return false;
      const stored = target ? (target.data as QuestionsData).questions : [];
      const fallback = await (dummyHash ??= hashSecret(`no answer matches this ${Math.random()}`, hashParams));
      // Every answer is checked, right or wrong, so the time does not tell which one failed.
      let allRight = true;
      for (const a of input.answers) {
        const hash = stored.find((q) => q.questionId === a.questionId)?.answerHash;
        const right = await verifySecret(normalizeAnswer(a.answer), hash ?? fallback);
        allRight = allRight && right && hash !== undefined;
      }
      return target !== null && allRight;
    },
    proof: 'none',
    async register({ policy, user, body, locale }) {
      if (body.type !== 'securityQuestions') throw new Error('questions kind got another type');
      if (user.isAdmin) throw new ProblemError('forbidden', 'Administrator accounts cannot use security questions (R10).');
      const problems = validateQuestionRegistration(body.answers, policy.sspr.securityQuestions, locale);
      if (problems.length) {
        throw new ProblemError('invalid_request', problems[0]!.message, { violations: problems.map((p) => ({ rule: p.rule, message: p.message })) });
      }
      const custom = new Map(policy.sspr.securityQuestions.custom.map((t) => [customQuestionId(t), t]));
      const questions: QuestionsData['questions'] = [];
      for (const a of body.answers) {
        const text = custom.get(a.questionId);
        questions.push({ questionId: a.questionId, answerHash: await hashSecret(normalizeAnswer(a.answer), hashParams), ...(text ? { text } : {}) });
      }
      return {
        type: 'securityQuestions',
        // Locale-neutral, like a decoy's (R13b): the app words it in the reader's language.
        hint: `${questions.length} questions`,
        data: { questions },
        verified: true,
        replacesAtOnce: true,
        sendCode: null,
        sendCounts: [],
      };
    },
  };
}
