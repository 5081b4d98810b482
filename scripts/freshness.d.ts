export declare const ROOT: string;
export declare const SERVER_DIST: string;
export declare function newestMtime(p: string): number;
export declare function isStale(output: string, sources: string[]): boolean;
export declare function serverIsStale(): boolean;
