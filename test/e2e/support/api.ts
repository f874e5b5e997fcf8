/**
 * The end-to-end tests' API client is the project's one signing client, `tools/client/api-client.ts`
 * (also behind `npm run client`): SigV4 (`execute-api`, default credential chain) for a deployed
 * stack, plain requests for the local runtime (outputs with `AwsEndpointUrl`).
 */
export {
  apiClient,
  isLocalOutputs,
  type ApiClient,
  type ApiClientOptions,
  type ApiRequestOptions,
  type ApiResponse,
  type PreparedRequest,
} from '../../../tools/client/api-client';
