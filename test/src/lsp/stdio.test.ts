// `weir lsp --stdio` as an editor starts it: a real child process, the protocol on its
// standard input and output, from initialize to exit.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type InitializeResult } from "vscode-languageserver/node";
import { root, weir } from "../weir-cli.ts";

describe("weir lsp", () => {
  it("initializes, shuts down and exits with 0 over stdio", async () => {
    const child = spawn(process.execPath, [join(root, "bin", "weir.js"), "lsp", "--stdio"], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.listen();

    const result = await connection.sendRequest<InitializeResult>("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
    expect(result.serverInfo?.name).toBe("weir");
    expect(result.capabilities.executeCommandProvider?.commands).toEqual(["weir.generatedTypeScript"]);
    await connection.sendNotification("initialized", {});
    expect(await connection.sendRequest("shutdown")).toBeNull();
    await connection.sendNotification("exit");

    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    connection.dispose();
  });

  it("refuses to start without --stdio, in one line", () => {
    const result = weir(["lsp"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("weir: weir lsp talks over standard input and output: run 'weir lsp --stdio' (an editor starts it)\n");
  });
});
