/**
 * An HTTP client for the stack's API (`ApiUrl` of the outputs). Against a deployed stack it signs
 * every request with SigV4 (service `execute-api`, credentials from the default provider chain):
 * the methods use `AWS_IAM` authorization. Against the local runtime (the outputs have
 * `AwsEndpointUrl`) it sends plain requests: the local API trusts every caller on loopback.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text if it is not JSON, or null if empty. */
  body: T;
}

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
}

export function apiClient(outputs: Record<string, string>): ApiClient {
  const baseUrl = outputs.ApiUrl;
  if (baseUrl === undefined) throw new Error('the stack outputs have no ApiUrl');
  const isLocal = outputs.AwsEndpointUrl !== undefined;
  const signer = isLocal
    ? undefined
    : new SignatureV4({
        service: 'execute-api',
        region: outputs.Region ?? regionOfApiUrl(baseUrl),
        credentials: defaultProvider(),
        sha256: Sha256,
      });

  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
      const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      let headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json' };
      if (signer !== undefined) {
        const query: Record<string, string | string[]> = {};
        for (const [name, value] of url.searchParams) {
          const existing = query[name];
          query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
        }
        const signed = await signer.sign({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query,
          headers: { ...headers, host: url.host },
          ...(payload !== undefined ? { body: payload } : {}),
        });
        headers = signed.headers;
        delete headers.host; // fetch sets it
      }
      const response = await fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await response.text();
      let parsed: unknown = text === '' ? null : text;
      try {
        if (text !== '') parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body: parsed as T };
    },
  };
}

/** `https://<id>.execute-api.<region>.amazonaws.com/prod/` → `<region>` */
function regionOfApiUrl(url: string): string {
  const region = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).hostname)?.[1];
  return region ?? process.env.AWS_REGION ?? 'us-east-1';
}
