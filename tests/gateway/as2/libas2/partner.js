// libas2 plays the AS2 partner for tests/gateway/as2/test_libas2_interop.py.
// One JSON request on stdin, one JSON answer on stdout. Keys and certificates are PEM strings,
// payloads and bodies base64. libas2 0.8.2 needs pkijs 2.1.x (pkijs 2.4 maps rsaEncryption to
// RSAES-PKCS1-v1_5 and then refuses to sign with it): package.json pins it.
'use strict'
const { AS2Composer, AS2Parser } = require('libas2')

function agreement (request) {
  return {
    host: {
      name: 'Partner', id: request.partner_id, url: 'http://partner.example/as2',
      certificate: request.partner_cert, privateKey: request.partner_key,
      decrypt: !!request.encrypt, sign: request.sign || false,
      mdn: { async: false, signing: request.mdn_signing || false }
    },
    partner: {
      name: 'Us', id: request.our_id, url: 'http://localhost/as2', file: 'EDIX12',
      certificate: request.our_cert, encrypt: request.encrypt || false, verify: !!request.verify,
      mdn: { async: false, signing: request.mdn_signing || false }
    }
  }
}

async function compose (request) {
  const composer = new AS2Composer({
    message: {
      filename: request.filename, contentType: request.content_type,
      content: Buffer.from(request.payload, 'base64')
    },
    agreement: agreement(request)
  })
  const options = await composer.toRequestOptions()
  return { headers: options.headers, body: Buffer.from(options.body).toString('base64') }
}

async function read (request) {
  const node = await AS2Parser.parse({ headers: request.headers, content: Buffer.from(request.body, 'base64') })
  let content = node
  const layers = { encrypted: false, signed: false }
  if (content.encrypted || /enveloped-data/i.test(content.contentType || '')) {
    content = await content.decrypt({ cert: request.partner_cert, key: request.partner_key })
    layers.encrypted = true
  }
  if (content.signed || /multipart\/signed/i.test(content.contentType || '')) {
    content = await content.verify({ cert: request.our_cert })
    if (!content) throw new Error('libas2: the signature does not verify')
    layers.signed = true
  }
  const again = await AS2Parser.parse({ headers: request.headers, content: Buffer.from(request.body, 'base64') })
  const { disposition } = await again.dispositionOut({ agreement: agreement(request), returnNode: false })
  const body = Buffer.isBuffer(content.content) ? content.content : Buffer.from(content.content || '', 'binary')
  return {
    payload: body.toString('base64'),
    content_type: content.contentType,
    ...layers,
    mic: disposition.notification.receivedContentMic || null,
    disposition: disposition.notification.disposition || null
  }
}

async function mdnFor (request) {
  const node = await AS2Parser.parse({ headers: request.headers, content: Buffer.from(request.body, 'base64') })
  const { dispositionNode } = await node.dispositionOut({ agreement: agreement(request), returnNode: true })
  const built = await dispositionNode.build()
  return { message: Buffer.from(built).toString('base64') }
}

async function readMdn (request) {
  const node = await AS2Parser.parse({ headers: request.headers, content: Buffer.from(request.body, 'base64') })
  const disposition = await node.dispositionIn(request.our_cert ? { cert: request.our_cert } : undefined)
  const notification = disposition.notification
  return {
    original_message_id: notification.originalMessageId || null,
    disposition: notification.disposition || null,
    mic: notification.receivedContentMic || null
  }
}

async function main () {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const operations = { compose, read, read_mdn: readMdn, mdn_for: mdnFor }
  const answer = await operations[request.op](request)
  process.stdout.write("\n" + JSON.stringify(answer) + "\n")
}

main().catch(error => {
  process.stderr.write(String(error && error.stack ? error.stack : error))
  process.exit(1)
})
