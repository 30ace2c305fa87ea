/** The documented error shape of every Portico REST endpoint (OAuth endpoints use RFC 6749's). */
export interface ErrorBody {
  error: {
    code: number | string;
    message: string;
    correlationId?: string;
    details?: readonly unknown[];
  };
}

/** The shape an error takes when it crosses an RPC stream. */
export interface RpcErrorBody {
  code: number | string;
  message: string;
}
