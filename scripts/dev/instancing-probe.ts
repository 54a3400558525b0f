// Does SwiftShader (Chromium's software WebGL) pay per instance? Draws N thin quads spread over a
// 1400×900 canvas each frame, (a) as one instanced draw of N instances × 4 vertices (as deck.gl's
// LineLayer does), (b) as one plain draw of 6N vertices, (c) as one indexed plain draw of 4N
// vertices and 6N indices; and prints the GPU process's CPU per frame of each, alternating.
//   tsx scripts/dev/instancing-probe.ts [N=20000] [frames=30] [widthPx=3]
import { chromiumProcesses, launchChromium } from "../bench/browser";
import { fmt } from "../bench/stats";
import { load, procCpuMs } from "../bench/machine";

const [N = 20000, FRAMES = 30, WIDTH = 3] = process.argv.slice(2).map(Number);

const PAGE = `<canvas id=c width=1400 height=900 style="width:1400px;height:900px"></canvas><script>
const gl = document.getElementById("c").getContext("webgl2", { antialias: false });
const N = ${N}, W = ${WIDTH};
// Segments: random short lines of 20–80 px, width W px, in NDC.
const seg = new Float32Array(N * 4);
let s = 1; const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
for (let i = 0; i < N; i++) { const x = rnd() * 2 - 1, y = rnd() * 2 - 1, a = rnd() * 6.283, l = (20 + 60 * rnd()); seg.set([x, y, x + Math.cos(a) * l / 700, y + Math.sin(a) * l / 450], 4 * i); }
const VS_I = \`#version 300 es
in vec2 corner; in vec4 s;
void main() { vec2 d = s.zw - s.xy; vec2 n = normalize(vec2(-d.y * 450.0, d.x * 700.0)) * ${(WIDTH / 2).toFixed(2)} / vec2(700.0, 450.0); gl_Position = vec4(mix(s.xy, s.zw, corner.x) + n * corner.y, 0.0, 1.0); }\`;
const FS = \`#version 300 es
precision highp float; out vec4 o; void main() { o = vec4(0.9, 0.4, 0.1, 0.9); }\`;
const prog = (vs) => { const p = gl.createProgram(); for (const [t, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, FS]]) { const sh = gl.createShader(t); gl.shaderSource(sh, src); gl.compileShader(sh); if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(sh)); gl.attachShader(p, sh); } gl.linkProgram(p); return p; };
const p = prog(VS_I);
const buf = (data, target = gl.ARRAY_BUFFER) => { const b = gl.createBuffer(); gl.bindBuffer(target, b); gl.bufferData(target, data, gl.STATIC_DRAW); return b; };
const lc = gl.getAttribLocation(p, "corner"), ls = gl.getAttribLocation(p, "s");
const vao = (setup) => { const v = gl.createVertexArray(); gl.bindVertexArray(v); setup(); gl.bindVertexArray(null); return v; };
// (a) instanced: 4 corners, N instances
const corners4 = new Float32Array([0, -1, 1, -1, 0, 1, 1, 1]);
const vInst = vao(() => { buf(corners4); gl.enableVertexAttribArray(lc); gl.vertexAttribPointer(lc, 2, gl.FLOAT, false, 0, 0); buf(seg); gl.enableVertexAttribArray(ls); gl.vertexAttribPointer(ls, 4, gl.FLOAT, false, 0, 0); gl.vertexAttribDivisor(ls, 1); });
// (b) plain: 6 vertices per segment, attributes repeated
const c6 = [0, -1, 1, -1, 0, 1, 0, 1, 1, -1, 1, 1];
const corners6 = new Float32Array(N * 12), seg6 = new Float32Array(N * 24);
for (let i = 0; i < N; i++) for (let k = 0; k < 6; k++) { corners6.set(c6.slice(2 * k, 2 * k + 2), 12 * i + 2 * k); seg6.set(seg.subarray(4 * i, 4 * i + 4), 24 * i + 4 * k); }
const vPlain = vao(() => { buf(corners6); gl.enableVertexAttribArray(lc); gl.vertexAttribPointer(lc, 2, gl.FLOAT, false, 0, 0); buf(seg6); gl.enableVertexAttribArray(ls); gl.vertexAttribPointer(ls, 4, gl.FLOAT, false, 0, 0); });
// (c) indexed: 4 vertices per segment, 6 indices
const corners4n = new Float32Array(N * 8), seg4 = new Float32Array(N * 16), idx = new Uint32Array(N * 6);
for (let i = 0; i < N; i++) { corners4n.set(corners4, 8 * i); for (let k = 0; k < 4; k++) seg4.set(seg.subarray(4 * i, 4 * i + 4), 16 * i + 4 * k); idx.set([4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 2, 4 * i + 1, 4 * i + 3], 6 * i); }
const vIdx = vao(() => { buf(corners4n); gl.enableVertexAttribArray(lc); gl.vertexAttribPointer(lc, 2, gl.FLOAT, false, 0, 0); buf(seg4); gl.enableVertexAttribArray(ls); gl.vertexAttribPointer(ls, 4, gl.FLOAT, false, 0, 0); buf(idx, gl.ELEMENT_ARRAY_BUFFER); });
gl.enable(gl.BLEND); gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
window.mode = "none";
window.nFrames = 0;
const frame = () => {
  gl.clearColor(0.1, 0.1, 0.15, 1); gl.clear(gl.COLOR_BUFFER_BIT);
  gl.useProgram(p);
  if (window.mode === "instanced") { gl.bindVertexArray(vInst); gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, N); }
  else if (window.mode === "plain") { gl.bindVertexArray(vPlain); gl.drawArrays(gl.TRIANGLES, 0, 6 * N); }
  else if (window.mode === "indexed") { gl.bindVertexArray(vIdx); gl.drawElements(gl.TRIANGLES, 6 * N, gl.UNSIGNED_INT, 0); }
  window.nFrames++;
  requestAnimationFrame(frame);
};
requestAnimationFrame(frame);
</script>`;

async function main() {
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    page.on("pageerror", (e) => console.error("page:", e.message));
    await page.setContent(PAGE);
    await page.waitForTimeout(2000);
    const gpu = () => (chromiumProcesses().get("gpu-process") ?? []).reduce((s, p) => s + procCpuMs(p), 0);
    const run = async (mode: string) => {
      await page.evaluate(`window.mode = ${JSON.stringify(mode)}`);
      await page.waitForTimeout(500);
      const f0 = (await page.evaluate("window.nFrames")) as number, g0 = gpu(), t0 = Date.now();
      await page.waitForFunction((n) => (window as unknown as { nFrames: number }).nFrames >= n, f0 + FRAMES, { timeout: 600_000, polling: 200 });
      const f1 = (await page.evaluate("window.nFrames")) as number;
      const per = (gpu() - g0) / (f1 - f0);
      console.log(`${mode.padEnd(10)} GPU process ${fmt(per, 1).padStart(7)} ms CPU per frame, ${fmt((Date.now() - t0) / (f1 - f0), 1).padStart(6)} ms wall per frame (${load()})`);
      return per;
    };
    console.log(`${N} quads of ${WIDTH} px, ${FRAMES} frames each`);
    for (let k = 0; k < 2; k++) for (const m of ["none", "instanced", "plain", "indexed"]) await run(m);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
