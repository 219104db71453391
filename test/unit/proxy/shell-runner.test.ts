// The long-lived shell the canary check lists iptables through: quoting, exit status, merged
// output, one command at a time, a new shell after the old one dies, and no hold on the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test('ShellRunner: stdin from a file, stderr kept out of the output unless the command fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-shell-'));
  const r = new ShellRunner();
  try {
    const input = join(dir, 'in');
    writeFileSync(input, "line 1\nit's line 2\n");
    assert.deepEqual(await r.run(['cat'], { stdinFile: input }), { code: 0, output: "line 1\nit's line 2\n" });
    const err = join(dir, 'err');
    assert.deepEqual(await r.run(['sh', '-c', 'echo out; echo warning >&2'], { stderrOnFailure: err }), { code: 0, output: 'out\n' });
    assert.deepEqual(await r.run(['sh', '-c', 'echo out; echo broken >&2; exit 4'], { stderrOnFailure: err }), { code: 4, output: 'out\nbroken\n' });
    assert.equal(existsSync(err), false, 'the stderr file is removed');
    // a missing stdin file is the command's failure, said by the shell
    const missing = await r.run(['cat'], { stdinFile: join(dir, 'nope') });
    assert.notEqual(missing.code, 0);
    assert.match(missing.output, /nope/);
  } finally {
    r.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ShellRunner: megabytes of output arrive whole (the marker is found at the end only)', async () => {
  const r = new ShellRunner();
  // 3 MB in many pipe chunks, the last line without a newline, and a line that looks like the marker
  const out = await r.run(['sh', '-c', 'i=0; while [ $i -lt 30000 ]; do echo "-A K1S-SVC-$i -m comment --comment \\"x\\" -j RETURN ........................................"; i=$((i+1)); done; echo "__k1s_done__ 7"; printf end']);
  assert.equal(out.code, 0);
  const lines = out.output.split('\n');
  assert.equal(lines.length, 30002);
  assert.equal(lines[29999], '-A K1S-SVC-29999 -m comment --comment "x" -j RETURN ........................................');
  assert.equal(lines[30000], '__k1s_done__ 7');
  assert.equal(lines[30001], 'end');
  r.close();
});
