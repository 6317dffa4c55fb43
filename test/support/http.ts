export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
  readonly headers: Headers;
}

/** One HTTP call; the body is parsed as JSON when it is JSON. */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body, headers: res.headers };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return call(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** One call to a region's operator port, with the operator's credential. */
export function adminCall(region: { adminUrl: string; adminToken: string }, path: string, init: RequestInit = {}): Promise<Answer> {
  return call(`${region.adminUrl}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${region.adminToken}` },
  });
}
