/** The streams of the hostile host (server.ts), one producer per mode. */
import {
  MODEL,
  type Producer,
  chain,
  chatDone,
  chatToken,
  hugeLine,
  oaDone,
  oaToken,
  ollamaDone,
  ollamaToken,
  once,
  repeat,
  sse,
} from './bodies.js';
import { HUGE, INFINITE, json, type HostileMode } from './modes.js';

export function ollamaStream(mode: HostileMode, chat: boolean): Producer {
  const token = chat ? chatToken : ollamaToken;
  const end = chat ? chatDone() : ollamaDone();
  switch (mode) {
    case 'flood':
      return repeat((i) => `garbage line ${i}, not JSON\n`);
    case 'huge-line':
      return hugeLine(HUGE);
    case 'endless':
      return repeat(() => token());
    case 'wrong-shapes':
      return repeat(() => (chat ? '{"message":"lots","done":false}\n' : '{"response":42,"done":"no"}\n'));
    case 'bad-numbers':
      return chain(
        repeat(() => token('ok '), 3),
        once(
          json({
            model: MODEL,
            response: '',
            done: true,
            done_reason: 'stop',
            eval_count: -3,
            eval_duration: INFINITE,
            prompt_eval_count: 1e300,
            load_duration: -1,
            total_duration: 'NaN',
          }) + '\n',
        ),
      );
    case 'endless-body':
      return chain(
        repeat(() => token('ok '), 3),
        once(end),
        repeat((i) => `junk after the end ${i}\n`),
      );
    default:
      return chain(
        repeat(() => token('hello '), 3),
        once(end),
      );
  }
}

export function pullStream(mode: HostileMode): Producer {
  const line = (v: unknown) => `${json(v)}\n`;
  switch (mode) {
    case 'flood':
      return repeat((i) => `garbage line ${i}, not JSON\n`);
    case 'huge-line':
      return hugeLine(HUGE);
    case 'endless':
      return repeat((i) => line({ status: `pulling ${i}`, digest: `sha256:${i}`, total: 1000, completed: 1 }));
    case 'wrong-shapes':
      return repeat(() => line({ status: 5 }));
    case 'bad-numbers':
      return chain(
        once(line({ status: 'pulling manifest' })),
        once(line({ status: 'pulling a1', digest: 'sha256:a1', total: -1, completed: INFINITE })),
        once(line({ status: 'success' })),
      );
    default:
      return chain(
        once(line({ status: 'pulling manifest' })),
        once(line({ status: 'pulling a1', digest: 'sha256:a1', total: 100, completed: 100 })),
        once(line({ status: 'success' })),
      );
  }
}

export function openaiStream(mode: HostileMode): Producer {
  switch (mode) {
    case 'flood':
      return repeat((i) => sse({ unexpected: i }));
    case 'huge-line':
      return hugeLine(HUGE, 'data: ');
    case 'endless':
      return repeat(() => oaToken());
    case 'wrong-shapes':
      return repeat(() => sse({ choices: 'lots' }));
    case 'bad-numbers':
      return chain(
        repeat(() => oaToken('ok '), 3),
        once(oaDone({ prompt_tokens: INFINITE, completion_tokens: -7 }).replace(`"${INFINITE}"`, '1e400')),
      );
    default:
      return chain(
        repeat(() => oaToken('hello '), 3),
        once(oaDone()),
      );
  }
}
