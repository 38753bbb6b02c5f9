// Operations: what an operator runs the platform with: /metrics (bounded labels, token or
// loopback), the edge's domain check for on-demand TLS. It never serves tenant data, and its
// machine endpoints never answer a remote caller without the operator's token.
export { assertOperator } from './operator-access.js';
export { OperationsModule } from './operations.module.js';
