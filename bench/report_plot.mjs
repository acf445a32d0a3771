// The fan-out plot: deliveries/s against clients for chat-actors and the ws
// baseline, as hand-written SVG (no plotting package).
import { fanoutMedians } from './report_pick.mjs';

const W = 720, H = 420;
const M = { left: 90, right: 30, top: 50, bottom: 60 };
const series = [
  { target: 'chat', name: 'chat-actors', color: '#1f77b4' },
  { target: 'raw', name: 'ws baseline', color: '#d62728' },
];

// A round axis step (1, 2 or 5 x 10^k) giving about `count` ticks up to max.
function niceStep(max, count) {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const m = raw / mag;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const label = (v) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : `${v}`);

export function fanoutPlot(lines) {
  const runs = fanoutMedians(lines).filter((l) => l.ok && l.deliveries_per_s > 0);
  const xs = [...new Set(runs.map((l) => l.clients))].sort((a, b) => a - b);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-size="16">Fan-out: deliveries/s against clients (each sends 1 message)</text>`,
  ];
  if (!xs.length) {
    out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no completed fan-out runs</text>`, '</svg>');
    return `${out.join('\n')}\n`;
  }
  const maxY = Math.max(...runs.map((l) => l.deliveries_per_s));
  const step = niceStep(maxY, 5);
  const topY = Math.ceil(maxY / step) * step;
  const minX = 0, maxX = Math.max(...xs) * 1.05;
  const px = (x) => M.left + ((x - minX) / (maxX - minX)) * (W - M.left - M.right);
  const py = (y) => H - M.bottom - (y / topY) * (H - M.top - M.bottom);
  // Grid and y ticks.
  for (let y = 0; y <= topY + step / 2; y += step) {
    out.push(`<line x1="${M.left}" y1="${py(y)}" x2="${W - M.right}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${M.left - 8}" y="${py(y) + 4}" text-anchor="end">${label(y)}</text>`);
  }
  // Axes, x ticks at the measured client counts.
  out.push(`<line x1="${M.left}" y1="${py(0)}" x2="${W - M.right}" y2="${py(0)}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${py(0)}" x2="${M.left}" y2="${M.top}" stroke="black"/>`);
  out.push(`<text x="${px(0)}" y="${py(0) + 20}" text-anchor="middle">0</text>`);
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" y1="${py(0)}" x2="${px(x)}" y2="${py(0) + 5}" stroke="black"/>`,
      `<text x="${px(x)}" y="${py(0) + 20}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 15}" text-anchor="middle">clients in the room</text>`,
    `<text transform="translate(22 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">deliveries/s</text>`);
  // One polyline with markers per server.
  series.forEach((s, i) => {
    const pts = runs.filter((l) => l.target === s.target).sort((a, b) => a.clients - b.clients)
      .map((l) => [px(l.clients), py(l.deliveries_per_s)]);
    if (pts.length) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => p.map((v) => v.toFixed(1)).join(',')).join(' ')}"/>`);
      for (const [x, y] of pts) out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${s.color}"/>`);
    }
    const ly = M.top + 8 + i * 20;
    out.push(`<line x1="${M.left + 15}" y1="${ly}" x2="${M.left + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${M.left + 48}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
