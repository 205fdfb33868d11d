// A durable queue for the benchmark: append the message to one file and
// fdatasync before answering OK, so Haraka pays for durability as sluice does.
'use strict';
const fs = require('fs');
const { Writable } = require('stream');

let fd;
exports.register = function () {
    fd = fs.openSync(process.env.HARAKA_QUEUE_FILE || '/dev/null', 'a');
};

exports.hook_queue = function (next, connection) {
    const chunks = [];
    const sink = new Writable({ write (c, _e, cb) { chunks.push(c); cb(); } });
    sink.on('finish', () => {
        fs.write(fd, Buffer.concat(chunks), (err) => {
            if (err) return next(DENYSOFT, 'queue write failed');
            fs.fdatasync(fd, (err2) => next(err2 ? DENYSOFT : OK));
        });
    });
    connection.transaction.message_stream.pipe(sink);
};
