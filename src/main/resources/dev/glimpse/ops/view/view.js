// The live view's page. Every text here comes from the stream (event ids, captions, questions,
// dead-letter messages): it goes in with textContent and attributes set as properties, never
// through innerHTML, so nothing in the stream can become markup or script.
'use strict';

const board = document.getElementById('cards');
const connection = document.getElementById('connection');
const cards = new Map(); // card seq -> element

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function picture(card) {
  const box = el('div', 'picture');
  if (card.thumbnail) {
    const img = el('img', 'thumb');
    img.alt = 'image of ' + card.eventId;
    img.src = 'thumb/' + Number(card.seq) + '.png';
    box.append(img);
  } else {
    box.classList.add('none');
    box.append(el('span', 'note', card.note || 'waiting for the image…'));
  }
  return box;
}

function scores(task) {
  const table = el('table', 'scores');
  for (const [category, p] of Object.entries(task.scores)) {
    const row = el('tr', 'score');
    row.dataset.category = category;
    row.dataset.p = String(p);
    row.append(el('td', 'category', category), el('td', 'p', Number(p).toFixed(3)));
    table.append(row);
  }
  return table;
}

function task(t) {
  const item = el('li', 'task ' + t.kind + ' ' + t.status);
  item.dataset.index = String(t.index);
  const label = t.kind === 'answer' ? 'question' : t.kind;
  item.append(el('span', 'label', label + (t.fromCache ? ' · from cache' : '')));
  if (t.kind === 'answer') item.append(el('span', 'question', t.question));
  if (t.status === 'pending') {
    item.append(el('span', 'text', '…'));
  } else if (t.status === 'dead') {
    item.append(el('span', 'text', 'no result: see the dead letter'));
  } else if (t.kind === 'moderation') {
    item.append(scores(t), el('span', 'flag ' + (t.flagged ? 'flagged' : 'clear'), t.flagged ? 'flagged' : 'not flagged'));
  } else {
    item.append(el('span', 'text ' + (t.kind === 'answer' ? 'answer' : 'caption-text'), t.text));
  }
  return item;
}

function render(card) {
  const article = el('article', 'card' + (card.deadLetters.length ? ' dead' : ''));
  article.dataset.seq = String(card.seq);
  const head = el('header');
  head.append(el('span', 'event-id', card.eventId));
  if (card.source) {
    const source = el('span', 'source', card.source);
    source.title = card.source;
    head.append(source);
  }
  const tasks = el('ul', 'tasks');
  card.tasks.forEach(t => tasks.append(task(t)));
  article.append(head, picture(card), tasks);
  for (const letter of card.deadLetters) {
    const box = el('p', 'dead-letter');
    if (letter.taskIndex !== null) box.dataset.task = String(letter.taskIndex);
    box.append(el('span', 'code', letter.code), el('span', 'message', letter.message));
    article.append(box);
  }
  return article;
}

function show(card) {
  const fresh = render(card);
  const old = cards.get(card.seq);
  if (old) {
    old.replaceWith(fresh);
  } else {
    board.prepend(fresh); // seq grows with arrival: the newest card is first
  }
  cards.set(card.seq, fresh);
}

function drop(seq) {
  const old = cards.get(seq);
  if (old) old.remove();
  cards.delete(seq);
}

function rate(x) {
  return x.toFixed(1);
}

function ms(x) {
  return x < 0 ? '–' : x + ' ms';
}

function stats(s) {
  const set = (id, text) => { document.getElementById(id).textContent = text; };
  set('events-per-second', rate(s.eventsPerSecond));
  set('results-per-second', rate(s.resultsPerSecond));
  set('latency-p50', ms(s.latencyP50Ms));
  set('latency-p95', ms(s.latencyP95Ms));
  set('events', String(s.events));
  set('results', String(s.results));
  set('dead-letters', String(s.deadLetters));
  connection.textContent = s.feed ? s.feed : 'live';
  connection.classList.toggle('problem', Boolean(s.feed));
}

const source = new EventSource('events');
source.addEventListener('reset', e => {
  // a (re)connection starts from a fresh snapshot of the board
  cards.forEach(node => node.remove());
  cards.clear();
  document.getElementById('max-cards').textContent = String(JSON.parse(e.data).max_cards);
});
source.addEventListener('card', e => show(JSON.parse(e.data)));
source.addEventListener('drop', e => drop(JSON.parse(e.data).seq));
source.addEventListener('stats', e => stats(JSON.parse(e.data)));
source.addEventListener('error', () => {
  connection.textContent = 'disconnected: reconnecting…';
  connection.classList.add('problem');
});
