// The weir extension for VS Code: the grammar (syntaxes/) highlights .weir files, and the
// weir language server, started as `weir lsp --stdio` in the workspace folder, does the
// rest (docs/editors.md). Plain JavaScript, so the folder runs without a build step once
// `npm install` has fetched vscode-languageclient.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("weir").get("server.command") ?? ["npx", "weir", "lsp", "--stdio"];
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  client = new LanguageClient(
    "weir",
    "weir",
    { command, args, options: { cwd, shell: process.platform === "win32" } },
    { documentSelector: [{ scheme: "file", language: "weir" }, { scheme: "untitled", language: "weir" }] },
  );

  // The server's command answers with the TypeScript (or the diagnostics that stop it);
  // this one, which the code lenses run, shows the answer beside the .weir file.
  context.subscriptions.push(
    vscode.commands.registerCommand("weir.showGeneratedTypeScript", async (uri, line) => {
      const editor = vscode.window.activeTextEditor;
      const target = uri ?? editor?.document.uri.toString();
      if (!target || !client) return;
      const args = line === undefined ? [target] : [target, line];
      const result = await client.sendRequest("workspace/executeCommand", { command: "weir.generatedTypeScript", arguments: args });
      if (!result) return;
      const document = await vscode.workspace.openTextDocument({ language: result.ok ? "typescript" : "plaintext", content: result.text });
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }),
  );
  await client.start();
}

async function deactivate() {
  await client?.stop();
}

module.exports = { activate, deactivate };
