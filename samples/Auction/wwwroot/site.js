// What both pages share: sign-in, the Outcry connection with its reconnecting banner, money, the countdown.

export const money = (cents) => `€${(cents / 100).toFixed(2)}`;

/**
 * The server's clock as this page knows it. Every state carries the server's time when it was sent, and it cannot
 * arrive before it was sent: the largest (serverTime - arrival) seen is the best estimate of the clock offset. A
 * state replayed after a drop is old and lowers nothing; a browser clock set wrong is corrected by it.
 */
let offset = null;

export function observe(state) {
  const seen = Date.parse(state.serverTime) - Date.now();
  if (offset === null || seen > offset) offset = seen;
  return state;
}

/** Time left by the server's clock. */
export function countdown(lot) {
  if (!lot) return '';
  if (lot.closed) return 'closed';
  const left = Math.max(0, Date.parse(lot.endsAt) - (Date.now() + (offset ?? 0)));
  const s = Math.floor(left / 1000);
  return left === 0 ? 'closing…' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} left`;
}

export function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
}

async function me() {
  return (await (await fetch('/api/me')).json()).name;
}

async function loadClient(outcry) {
  await new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `${outcry}/socket.io/socket.io.min.js`;
    script.onload = resolve;
    script.onerror = () => reject(new Error('Outcry is not reachable'));
    document.head.append(script);
  });
}

/** Connects to Outcry in `room` (the bidder's cookie goes along: Outcry asks this site who it is). */
export async function start({ room }) {
  const name = await me();
  document.getElementById('me').textContent = name ? `signed in as ${name}` : 'watching anonymously';
  document.getElementById('signin').hidden = Boolean(name);
  document.getElementById('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await fetch('/api/signin', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: e.target.name.value }) });
    if (res.ok) location.reload();
  });

  const { outcry } = await (await fetch('/api/config')).json();
  await loadClient(outcry);
  const socket = window.io(outcry, { query: { room }, withCredentials: true });
  const banner = document.getElementById('banner');
  socket.on('disconnect', () => (banner.hidden = false));
  socket.on('connect', () => {
    banner.hidden = true;
    // Either the exact gap was replayed (recovered) or the current state is on its way (a snapshot): never stale.
    document.body.dataset.recovered = String(socket.recovered);
  });
  window.socket = socket;
  return socket;
}
