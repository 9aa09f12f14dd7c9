export { Agent, connect, type AgentEvents, type CloseOptions } from './agent';
export { DEFAULT_HEARTBEAT_INTERVAL_MS, type AgentOptions } from './agent-options';
export { STATUS_DETAIL_INTERVAL_MS } from './agent-status';
export { CommandAborted, CommandFailure, type AbortCause, type CommandFailureOptions } from './command-failure';
export type { DelegateOptions, DelegateTarget, Handler, HandlerContext } from './handler';
export { consoleJsonLogger, silentLogger, type AgentLogger } from './logger';
export { connectHttp, HttpAgent, type HttpAgentOptions } from './http-agent';
