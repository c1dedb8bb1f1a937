// What the live view shows, read back from the DOM as JSON (the tests evaluate this in the page).
JSON.stringify({
  connection: document.getElementById('connection').textContent,
  title: document.title,
  stats: {
    events: document.getElementById('events').textContent,
    results: document.getElementById('results').textContent,
    deadLetters: document.getElementById('dead-letters').textContent,
    latencyP50: document.getElementById('latency-p50').textContent,
  },
  // anything the stream could have smuggled in: images that are not thumbnails, inline scripts, frames
  foreignElements: document.querySelectorAll('img:not(.thumb), script:not([src]), iframe, object, embed').length,
  cards: [...document.querySelectorAll('#cards .card')].map(c => ({
    seq: Number(c.dataset.seq),
    eventId: c.querySelector('.event-id').textContent,
    thumbnailWidth: (i => (i && i.complete ? i.naturalWidth : 0))(c.querySelector('img.thumb')),
    note: (n => (n ? n.textContent : ''))(c.querySelector('.picture .note')),
    pending: c.querySelectorAll('.task.pending').length,
    dead: c.querySelectorAll('.task.dead').length,
    captions: [...c.querySelectorAll('.task.caption.done .caption-text')].map(e => e.textContent),
    answers: [...c.querySelectorAll('.task.answer.done')].map(e => ({
      question: e.querySelector('.question').textContent,
      answer: e.querySelector('.answer').textContent,
    })),
    moderation: [...c.querySelectorAll('.task.moderation.done')].map(e => ({
      flagged: e.querySelector('.flag').classList.contains('flagged'),
      scores: Object.fromEntries([...e.querySelectorAll('tr.score')].map(r => [r.dataset.category, Number(r.dataset.p)])),
    })),
    deadLetters: [...c.querySelectorAll('.dead-letter')].map(e => ({
      code: e.querySelector('.code').textContent,
      message: e.querySelector('.message').textContent,
    })),
  })),
})
