// What WebGL did in the page between two moments of a browser benchmark: shaders compiled,
// programs linked and the time the page waited on the GPU process for their status.

/**
 * A script for `context.addInitScript`: wraps WebGL2's compile, link and status calls and
 * counts them in `window.__gl` (a string, not a function: tsx's name helpers do not exist in the page).
 */
export const GL_WATCH_SCRIPT = `(() => {
  const P = WebGL2RenderingContext.prototype;
  const gl = (window.__gl = { compiles: 0, links: 0, waitMs: 0, names: [] });
  const wrap = (name, after) => {
    const f = P[name];
    P[name] = function (...args) {
      const t0 = performance.now();
      const out = f.apply(this, args);
      after(performance.now() - t0, args);
      return out;
    };
  };
  wrap("shaderSource", (_ms, args) => {
    const src = args[1] || "";
    const m = /#define SHADER_NAME (\\S+)/.exec(src);
    // deck.gl names its shaders; MapLibre's are told by their first attribute (a_pos, a_pattern_from…).
    const a = /in (?:highp |mediump |lowp )?\\w+ (a_\\w+)/.exec(src);
    if (m) { if (!m[1].includes("fragment")) gl.names.push(m[1].replace(/-vertex(-shader)?$/, "")); }
    else if (a) gl.names.push("maplibre(" + a[1] + ")");
  });
  wrap("compileShader", (ms) => { gl.compiles++; gl.waitMs += ms; });
  wrap("linkProgram", (ms) => { gl.links++; gl.waitMs += ms; });
  wrap("getShaderParameter", (ms) => { gl.waitMs += ms; });
  wrap("getProgramParameter", (ms) => { gl.waitMs += ms; });
})()`;

export type GlCounts = { compiles: number; links: number; waitMs: number; names: string[] };

/** Reads the page's counters (see GL_WATCH_SCRIPT). */
export const GL_READ = `(() => { const g = window.__gl || { compiles: 0, links: 0, waitMs: 0, names: [] }; return { compiles: g.compiles, links: g.links, waitMs: g.waitMs, names: g.names.slice() }; })()`;

/** What happened between two readings, as a line for the benchmark's output. */
export function glDelta(a: GlCounts, b: GlCounts): string {
  const links = b.links - a.links;
  if (!links && !(b.compiles - a.compiles)) return "no shader compiled";
  const names = b.names.slice(a.names.length);
  return `${b.compiles - a.compiles} shaders compiled, ${links} programs linked (${Math.round(b.waitMs - a.waitMs)} ms waiting on the GPU process${names.length ? `: ${names.join(", ")}` : ""})`;
}
