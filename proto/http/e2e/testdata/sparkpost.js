// Drives sluice's HTTP_Listener with the official sparkpost npm client.
// Env: ORIGIN (http://127.0.0.1:PORT), KEY (transmissions + templates),
// BADKEY, PNG and TXT (base64). Prints one JSON line per step.
'use strict';
const SparkPost = require('sparkpost');
const sp = new SparkPost(process.env.KEY, { origin: process.env.ORIGIN });
const bad = new SparkPost(process.env.BADKEY, { origin: process.env.ORIGIN });

function out(step, r) { console.log(JSON.stringify(Object.assign({ step }, r))); }
async function run(step, fn) {
  try {
    out(step, { status: 200, body: await fn() });
  } catch (err) {
    out(step, { status: err.statusCode || 0, errors: err.errors || String(err) });
  }
}

(async () => {
  await run('template', () => sp.templates.create({
    id: 'welcome', name: 'Welcome', published: true,
    content: {
      from: { email: 'news@example.com', name: 'News' }, subject: 'Welcome {{name}}',
      text: 'Hi {{name}}', html: '<p>Hi {{name}}</p>',
    },
  }));
  await run('substitution', () => sp.transmissions.send({
    campaign_id: 'spring', metadata: { batch: '7' }, substitution_data: { name: 'friend' },
    recipients: [
      { address: { email: 'ann@example.org', name: 'Ann' }, tags: ['vip'], substitution_data: { name: 'Ann', n: 2 } },
      { address: 'bob@example.org', substitution_data: { name: 'Bob & Co' } },
    ],
    content: {
      from: 'shop@example.com', subject: 'Hello {{name}}',
      text: 'Dear {{name}}{{if n > 1}}, you have {{n}} items{{end}}.', html: '<p>Dear {{name}}</p>',
    },
  }));
  await run('stored', () => sp.transmissions.send({
    recipients: [{ address: 'carol@example.org', substitution_data: { name: 'Carol' } }],
    content: { template_id: 'welcome' },
  }));
  await run('rfc822', () => sp.transmissions.send({
    recipients: [{ address: 'dan@example.org', substitution_data: { code: 'X1' } }],
    content: { email_rfc822: 'From: ops@example.com\nTo: dan@example.org\nSubject: raw {{code}}\n\nYour code is {{code}}.\n' },
  }));
  await run('attachments', () => sp.transmissions.send({
    recipients: [{ address: 'erin@example.org' }],
    content: {
      from: 'reports@example.com', subject: 'Report', text: 'See the report.',
      html: '<p><img src="cid:logo.png"> report</p>',
      attachments: [{ name: 'report.txt', type: 'text/plain', data: process.env.TXT }],
      inline_images: [{ name: 'logo.png', type: 'image/png', data: process.env.PNG }],
    },
  }));
  await run('ccbcc', () => sp.transmissions.send({
    recipients: [{ address: { email: 'to@example.org', name: 'To Person' } }],
    cc: [{ address: { email: 'cc@example.org', name: 'CC Person' } }],
    bcc: [{ address: { email: 'bcc@example.org' } }],
    content: { from: 'team@example.com', subject: 'All', text: 'hello all' },
  }));
  await run('badkey', () => bad.transmissions.send({
    recipients: [{ address: 'x@example.org' }],
    content: { from: 'a@example.com', subject: 's', text: 't' },
  }));
  await run('tplerror', () => sp.transmissions.send({
    recipients: [{ address: 'x@example.org' }],
    content: { from: 'a@example.com', subject: 's', text: 'line one\n{{ if x }' },
  }));
  await run('preview', () => sp.templates.preview('welcome', { substitution_data: { name: '<Zed>' } }));
})();
