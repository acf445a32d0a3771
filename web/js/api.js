// The HTTP half of the protocol (docs/protocol.md): accounts, tokens and
// history pages. Every call resolves to the parsed body or throws an
// ApiError whose status is 0 when the server could not be reached.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "Cannot reach the server.");
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch { /* a proxy's HTML error page: keep the status */ }
  if (!res.ok) throw new ApiError(res.status, data?.error || `${res.status} ${res.statusText}`);
  return data;
}

function credentials(name, password, serverPassword) {
  const body = { name, password };
  if (serverPassword) body.server_password = serverPassword;
  return body;
}

export const api = {
  info: () => call("GET", "/info"),
  register: (name, password, serverPassword) =>
    call("POST", "/register", { body: credentials(name, password, serverPassword) }),
  login: (name, password, serverPassword) =>
    call("POST", "/login", { body: credentials(name, password, serverPassword) }),
  logout: (token) => call("POST", "/logout", { token }),
  me: (token) => call("GET", "/me", { token }),
  history: (token, room, page) =>
    call("GET", `/history?room=${encodeURIComponent(room)}&page=${page}`, { token }),
};

/** The WebSocket address on the server that served this page. */
export function socketUrl(token) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}
