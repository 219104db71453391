// The long-lived shell the canary check lists iptables through: quoting, exit status, merged
// output, one command at a time, a new shell after the old one dies, and no hold on the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShellRunner, shellQuote } from '../../../proxy/shell-runner.js';

test('shellQuote: any string comes back as one word, unexpanded', () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('$HOME `x` *'), `'$HOME \`x\` *'`);
});

test('ShellRunner: exit codes, merged output, order, and a new shell after the old one dies', async () => {
  const r = new ShellRunner();
  assert.deepEqual(await r.run(['echo', "it's", 'a $HOME test']), { code: 0, output: "it's a $HOME test\n" });
  assert.deepEqual(await r.run(['sh', '-c', 'echo err >&2; exit 3']), { code: 3, output: 'err\n' });
  assert.deepEqual(await r.run(['printf', 'no newline']), { code: 0, output: 'no newline' });
  // queued calls answer in order
  const many = await Promise.all([1, 2, 3, 4, 5].map((i) => r.run(['echo', String(i)])));
  assert.deepEqual(many.map((x) => x.output), ['1\n', '2\n', '3\n', '4\n', '5\n']);
  // the shell dies mid-command: that call fails, the next one gets a new shell
  await assert.rejects(r.run(['sh', '-c', 'kill -9 $PPID']), /exited/);
  assert.deepEqual(await r.run(['echo', 'again']), { code: 0, output: 'again\n' });
  r.close();
});
