/**
 * The span objectives spanlab knows, by name. The only place (with the CLI's parser and the checkpoint
 * format) where an objective is named: everything else receives a {@link SpanHead}.
 */
import type { SpanHead } from "../span_head.js";
import { crfSpanHead } from "./crf.js";
import { segmentCrfSpanHead } from "./segment_crf.js";
import { softSpanHead } from "./soft.js";

export const SPAN_HEADS: readonly SpanHead[] = [softSpanHead, crfSpanHead, segmentCrfSpanHead];

/** Names of every registered objective, in registry order (the order of compare's columns). */
export const SPAN_OBJECTIVES: readonly string[] = SPAN_HEADS.map((head) => head.name);

/** The reference's question: the soft span loss against the CRF (`compare --objectives soft,crf`, and `--reference-protocol`). */
export const REFERENCE_OBJECTIVES: readonly [string, string] = [softSpanHead.name, crfSpanHead.name];

/** What `spanlab compare` sets against each other by default: every registered objective, in registry order. */
export const DEFAULT_COMPARED_OBJECTIVES: readonly string[] = SPAN_OBJECTIVES;

/** The head of a registered objective; a clear error naming the known ones otherwise. */
export function spanHead(name: string): SpanHead {
  const head = SPAN_HEADS.find((candidate) => candidate.name === name);
  if (!head) throw new Error(`unknown span objective ${JSON.stringify(name)}; known: ${SPAN_OBJECTIVES.join(", ")}`);
  return head;
}
