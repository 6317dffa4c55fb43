import type { RequestHandler } from "express";
import { badRequest } from "./problem.js";

/** No body the services accept nests deeper than this; the deepest real one (an event) is about 5. */
export const maxJsonDepth = 32;

/** How deep a parsed JSON value nests, counted without recursion (a hostile body cannot blow the stack). */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Refuses bodies nested deeper than `maxJsonDepth` before any handler walks them: schema
 * validators, JSON.stringify and the store all recurse, and a body of a few kilobytes can nest
 * thousands of levels.
 */
export const limitJsonDepth: RequestHandler = (req, _res, next) => {
  if (req.body !== undefined && jsonDepth(req.body, maxJsonDepth) > maxJsonDepth) {
    next(badRequest(`request body nests deeper than ${maxJsonDepth} levels`));
    return;
  }
  next();
};
