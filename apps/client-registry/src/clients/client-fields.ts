/** Client fields an operator may set when registering a client. */
export interface ClientFields {
  client_code?: string;
  bap_id?: string;
  bap_uri?: string;
  allowed_ips?: string[];
  rate_limit?: number;
  scopes?: string[];
  grant_types?: string[];
  metadata?: Record<string, unknown>;
  access_token_ttl?: number;
}
