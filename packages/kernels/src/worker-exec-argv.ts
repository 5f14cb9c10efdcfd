/** Worker threads start from built JavaScript: their execArgv must not carry the test runner's source condition. */
/** The process's execArgv without the `detcal-source` export condition: the built worker must load its workspace dependencies' dist, not their TypeScript sources (test runners set the condition). */
export function builtExecArgv(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === '--conditions' || a[i] === '-C') && a[i + 1] === 'detcal-source') i++;
    else if (a[i] !== '--conditions=detcal-source') out.push(a[i]);
  }
  return out;
}
