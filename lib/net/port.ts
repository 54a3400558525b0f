import net from "node:net";

export class PortInUseError extends Error {}

/** Resolves when host:port can be bound; throws PortInUseError with what to do otherwise. */
export function assertPortFree(port: number, host: string, envName = "PORT"): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "is already in use" : `cannot be used (${e.code})`;
      reject(new PortInUseError(`port ${host}:${port} ${why}; stop the other program or set ${envName} to a free port`));
    });
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}
