/** Paging limits of list requests: `count` above the maximum is lowered to it (RFC 7644 §3.4.2.4). */
export const FILTER_MAX_RESULTS = 1000;
export const DEFAULT_COUNT = 100;
