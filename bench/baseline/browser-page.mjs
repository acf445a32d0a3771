// The page side of the browser client kind (browser-client.mjs serves it with
// client-group.mjs): a group of the run's clients on the browser's own
// WebSocket, and a control socket back to the driver that calls the group's
// methods. Each call is {id, method, args}; each answer {id, result} or
// {id, error}; a page error goes back as {note}.
import { createGroup } from './client-group.mjs';

const control = new WebSocket(`ws://${location.host}/control${location.search}`);
const tell = (message) => control.send(JSON.stringify(message));
let group = null;

function create(setup, epochMs) {
  // The driver's clock: nanoseconds since its epochMs, through this page's performance.now().
  const now = () => (performance.timeOrigin - epochMs + performance.now()) * 1e6;
  group = createGroup({ ...setup, WebSocket, now });
}

control.onmessage = (event) => {
  const { id, method, args } = JSON.parse(event.data);
  try {
    const result = method === 'create' ? create(...args) : group[method](...args);
    tell({ id, result: result ?? null });
  } catch (err) {
    tell({ id, error: String(err?.stack ?? err) });
  }
};
addEventListener('error', (event) => tell({ note: `page error: ${event.message}` }));
