/// <reference lib="dom" />
/**
 * A minimal MCP Apps host for the browser tests, built on the extension's own AppBridge: it frames
 * a view's HTML, answers its ui/initialize, pushes the tool's input and result, and forwards the
 * view's tools/call to `window.callTool` (which the test wires to a real MCP client).
 */
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

declare global {
  interface Window {
    callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<Record<string, unknown>>;
    openView(
      html: string,
      input: Record<string, unknown>,
      result: Record<string, unknown> | null,
      theme?: 'light' | 'dark',
    ): Promise<void>;
    /** Changes the host's theme the way a client does when its user switches it. */
    setTheme(theme: 'light' | 'dark'): void;
    viewCalls: string[];
  }
}

window.viewCalls = [];
window.openView = async (html, input, result, theme) => {
  const frame = document.createElement('iframe');
  frame.title = 'view';
  frame.style.cssText = 'border:0;display:block;width:100%;height:100vh';
  document.body.append(frame);
  const target = frame.contentWindow!;
  const bridge = new AppBridge(
    null,
    { name: 'ollm-test-host', version: '1.0.0' },
    { serverTools: {} },
    theme ? { hostContext: { theme } } : undefined,
  );
  window.setTheme = (t) => bridge.setHostContext({ theme: t });
  bridge.oncalltool = async (params) => {
    window.viewCalls.push(params.name);
    return (await window.callTool({ name: params.name, arguments: params.arguments ?? {} })) as never;
  };
  const initialized = new Promise<void>((resolve) => (bridge.oninitialized = () => resolve()));
  await bridge.connect(new PostMessageTransport(target, target));
  frame.srcdoc = html;
  await initialized;
  await bridge.sendToolInput({ arguments: input });
  if (result) await bridge.sendToolResult(result as never);
};
