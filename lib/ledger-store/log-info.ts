/** The public facts of the city's log: its origin, its key, its witnesses and the quorum. */
export type LogInfo = {
  origin: string;
  logVerifierKey: string;
  witnesses: { department: string; name: string; verifierKey: string }[];
  quorum: number;
};

const KEY = Symbol.for("city-brain.log-info");

export function setLogInfo(info: LogInfo): void {
  (globalThis as { [KEY]?: LogInfo })[KEY] = info;
}

/** The running log's public facts; throws if the log service has not started in this process. */
export function getLogInfo(): LogInfo {
  const info = (globalThis as { [KEY]?: LogInfo })[KEY];
  if (!info) throw new Error("the ledger service is not running in this process");
  return info;
}
