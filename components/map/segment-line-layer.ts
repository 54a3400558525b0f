import { LineLayer, type LineLayerProps } from "@deck.gl/layers";
import { Model } from "@luma.gl/engine";
import type { BinaryAttribute } from "./binary";

/** Vertices per segment: two triangles. */
const PER_SEGMENT = 6;

/**
 * deck.gl's LineLayer drawn without instancing: every straight segment as two triangles of
 * its own (6 vertices, each carrying the segment's positions, colour and width) in one plain
 * draw, where the LineLayer draws one instance of 4 vertices per segment. Chromium's software
 * WebGL (SwiftShader, as on this machine) pays per instance: 20,000 instanced quads cost
 * 380–390 ms of the GPU process's CPU a frame against 110–160 ms drawn plain
 * (scripts/dev/instancing-probe.ts; README, "The city maps"). What it draws is the LineLayer's
 * own: the same vertex and fragment shaders, the corner of each vertex taken from its index
 * instead of an instanced geometry, and its picking colour from the segment's index
 * (gl_VertexID / 6), so picks and `highlightedObjectIndex` name segments as before.
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
        "const vec2 SEGMENT_CORNERS[6] = vec2[6](vec2(0., -1.), vec2(0., 1.), vec2(1., -1.), vec2(1., -1.), vec2(0., 1.), vec2(1., 1.));\n#define positions vec3(SEGMENT_CORNERS[gl_VertexID % 6], 0.)",
      )
      .replace("picking_getPickingColorFromInstanceID()", "picking_getPickingColorFromIndex(float(gl_VertexID / 6))");
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
    this.state.model?.setVertexCount(this.getNumInstances());
    super.draw(opts);
  }
}

export type SegmentLineLayerProps<D = unknown> = LineLayerProps<D>;

const expanded = new WeakMap<object, BinaryAttribute>();

/** A per-segment binary attribute with each segment's value repeated for its 6 vertices (kept per array: the same input gives the same object). */
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
