import { LineLayer, type LineLayerProps } from "@deck.gl/layers";
import { Buffer } from "@luma.gl/core";
import { Model } from "@luma.gl/engine";
import type { BinaryAttribute } from "./binary";

/** Vertices per segment: its four corners, drawn as two triangles through an index buffer. */
const PER_SEGMENT = 4;
/** The two triangles of a segment, by corner (corners as in the shader's SEGMENT_CORNERS). */
const TRIANGLES = [0, 1, 2, 2, 1, 3];

/** The index buffer a SegmentLineLayer keeps in its state, and how many segments it holds. */
type IndexState = { indexBuffer?: Buffer; indexSegments?: number };

/**
 * deck.gl's LineLayer drawn without instancing: every straight segment as two triangles of
 * its own in one plain indexed draw, where the LineLayer draws one instance of 4 vertices per
 * segment. Chromium's software WebGL (SwiftShader, as on this machine) pays per instance:
 * 20,000 instanced quads cost 380–390 ms of the GPU process's CPU a frame against 110–160 ms
 * drawn plain (scripts/dev/instancing-probe.ts; README, "The city maps"). Each segment has 4
 * vertices (each carrying the segment's positions, colour and width) and 6 indices: a third
 * less of each attribute to hold and to upload when live values change than 6 plain vertices
 * (SwiftShader draws both in the same time; a GPU's post-transform cache runs the vertex
 * shader once per shared corner). What it draws is the LineLayer's own: the same vertex and
 * fragment shaders, the corner of each vertex taken from its index instead of an instanced
 * geometry, and its picking colour from the segment's index (gl_VertexID / 4), so picks and
 * `highlightedObjectIndex` name segments as before.
 *
 * Its data is a LineLayer's binary data expanded per vertex (`segmentLines`).
 */
export class SegmentLineLayer<D = unknown> extends LineLayer<D> {
  static layerName = "SegmentLineLayer";

  getShaders() {
    const s = super.getShaders();
    const vs = (s.vs as string)
      .replace(
        "in vec3 positions;",
        "const vec2 SEGMENT_CORNERS[4] = vec2[4](vec2(0., -1.), vec2(0., 1.), vec2(1., -1.), vec2(1., 1.));\n#define positions vec3(SEGMENT_CORNERS[gl_VertexID % 4], 0.)",
      )
      .replace("picking_getPickingColorFromInstanceID()", "picking_getPickingColorFromIndex(float(gl_VertexID / 4))");
    return { ...s, vs };
  }

  initializeState() {
    // The LineLayer's attributes, one value per vertex instead of per instance.
    this.getAttributeManager()!.add({
      instanceSourcePositions: { size: 3, type: "float64", fp64: this.use64bitPositions(), accessor: "getSourcePosition" },
      instanceTargetPositions: { size: 3, type: "float64", fp64: this.use64bitPositions(), accessor: "getTargetPosition" },
      instanceColors: { size: this.props.colorFormat.length, type: "unorm8", accessor: "getColor", defaultValue: [0, 0, 0, 255] },
      instanceWidths: { size: 1, accessor: "getWidth", defaultValue: 1 },
    });
  }

  _getModel() {
    return new Model(this.context.device, {
      ...this.getShaders(),
      id: this.props.id,
      bufferLayout: this.getAttributeManager()!.getBufferLayouts({ isInstanced: false }),
      topology: "triangle-list",
      vertexCount: 0,
      isInstanced: false,
    });
  }

  draw(opts: Parameters<LineLayer["draw"]>[0]) {
    const model = this.state.model as Model | undefined;
    if (model) {
      const segments = this.getNumInstances() / PER_SEGMENT;
      model.setIndexBuffer(this.indices(segments));
      // With an index buffer, the vertex count is the count of indices drawn.
      model.setVertexCount(segments * TRIANGLES.length);
    }
    super.draw(opts);
  }

  /** The index buffer for at least `segments` segments (grown when the data outgrows it). */
  private indices(segments: number): Buffer {
    // In the layer's state, which deck.gl hands from one instance of the layer to the next.
    const st = this.state as unknown as IndexState;
    const have = st.indexBuffer;
    if (have && (st.indexSegments ?? 0) >= segments) return have;
    const n = Math.max(1, segments);
    const data = new Uint32Array(n * TRIANGLES.length);
    for (let i = 0, o = 0; i < n; i++) for (const c of TRIANGLES) data[o++] = i * PER_SEGMENT + c;
    have?.destroy();
    const buffer = this.context.device.createBuffer({ usage: Buffer.INDEX, indexType: "uint32", data });
    // Not setState: the buffer is drawing state, no reason to update the layer.
    st.indexBuffer = buffer;
    st.indexSegments = n;
    return buffer;
  }

  finalizeState(context: Parameters<LineLayer["finalizeState"]>[0]) {
    (this.state as unknown as IndexState).indexBuffer?.destroy();
    super.finalizeState(context);
  }
}

export type SegmentLineLayerProps<D = unknown> = LineLayerProps<D>;

const expanded = new WeakMap<object, BinaryAttribute>();

/** A per-segment binary attribute with each segment's value repeated for its 4 vertices (kept per array: the same input gives the same object). */
function perVertex(a: BinaryAttribute): BinaryAttribute {
  const hit = expanded.get(a.value);
  if (hit) return hit;
  const v = a.value, size = a.size, n = v.length / size;
  const out = new (v.constructor as new (n: number) => typeof v)(v.length * PER_SEGMENT);
  for (let i = 0, o = 0; i < n; i++) for (let k = 0; k < PER_SEGMENT; k++) for (let c = 0; c < size; c++) out[o++] = v[i * size + c];
  const e = { ...a, value: out };
  expanded.set(a.value, e);
  return e;
}

/** A LineLayer's binary data (one value per segment) as SegmentLineLayer's (one per vertex). */
export function segmentLines(d: { length: number; attributes: Record<string, BinaryAttribute> }) {
  return { length: d.length * PER_SEGMENT, attributes: Object.fromEntries(Object.entries(d.attributes).map(([k, a]) => [k, perVertex(a)])) };
}
