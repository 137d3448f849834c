import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText } from '../../../helpers/load-text.js';

async function ports(...entries: string[]) {
  const yaml = `services:\n  web:\n    image: nginx\n    ports:\n${entries.map((e) => `      - ${e}\n`).join('')}`;
  const model = await loadModelText(yaml);
  return model.services['web']!.ports.map((p) => ({ ...p }));
}

describe('ports', () => {
  it('a bare container port leaves the host port to the engine', async () => {
    assert.deepEqual(await ports('"3000"'), [{ target: 3000, protocol: 'tcp', mode: 'ingress' }]);
  });

  it('a number is a container port', async () => {
    assert.deepEqual(await ports('3000'), [{ target: 3000, protocol: 'tcp', mode: 'ingress' }]);
  });

  it('host:container publishes the host port', async () => {
    assert.deepEqual(await ports('"8000:8000"'), [{ target: 8000, published: '8000', protocol: 'tcp', mode: 'ingress' }]);
  });

  it('a host IP and a protocol are kept', async () => {
    assert.deepEqual(await ports('"127.0.0.1:8001:8001/udp"'), [
      { target: 8001, published: '8001', hostIp: '127.0.0.1', protocol: 'udp', mode: 'ingress' },
    ]);
  });

  it('an IPv6 host IP is written in brackets', async () => {
    assert.deepEqual(await ports('"[::1]:80:80"'), [{ target: 80, published: '80', hostIp: '::1', protocol: 'tcp', mode: 'ingress' }]);
  });

  it('a host IP with an empty host port lets the engine choose the port', async () => {
    assert.deepEqual(await ports('"127.0.0.1::5000"'), [{ target: 5000, hostIp: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }]);
  });

  it('equal ranges are paired port by port', async () => {
    assert.deepEqual(
      (await ports('"9090-9091:8080-8081"')).map((p) => `${p.published}->${p.target}`),
      ['9090->8080', '9091->8081'],
    );
  });

  it('a container range alone gives one entry per port', async () => {
    assert.deepEqual((await ports('"3000-3002"')).map((p) => p.target), [3000, 3001, 3002]);
  });

  it('a host range for one container port is kept as a range for the engine to pick from', async () => {
    assert.deepEqual(await ports('"12400-12500:1240"'), [{ target: 1240, published: '12400-12500', protocol: 'tcp', mode: 'ingress' }]);
  });

  it('the long syntax is read with its defaults', async () => {
    const yaml = 'services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        published: 8080\n        host_ip: 127.0.0.1\n        name: http\n        app_protocol: http\n';
    const model = await loadModelText(yaml);
    assert.deepEqual({ ...model.services['web']!.ports[0]! }, {
      target: 80, published: '8080', hostIp: '127.0.0.1', protocol: 'tcp', mode: 'ingress', name: 'http', appProtocol: 'http',
    });
  });

  it('ranges of different lengths are an error at the entry', async () => {
    const p = await expectProblem('services:\n  web:\n    image: nginx\n    ports:\n      - "9090-9092:8080-8081"\n', 'services.web.ports[0]', 'host range has 3 ports');
    assert.equal(p.location?.line, 5);
  });

  it('a port above 65535 is an error', async () => {
    await expectProblem('services:\n  web:\n    image: nginx\n    ports:\n      - "70000:80"\n', 'services.web.ports[0]', 'out of range');
  });

  it('an unknown protocol is an error', async () => {
    await expectProblem('services:\n  web:\n    image: nginx\n    ports:\n      - "80:80/icmp"\n', 'services.web.ports[0]', "unknown protocol 'icmp'");
  });

  it('a long-syntax entry without target is a schema error', async () => {
    await expectProblem('services:\n  web:\n    image: nginx\n    ports:\n      - published: 80\n', 'services.web.ports[0]', "missing required key 'target'");
  });

  it('a misspelt long-syntax key gets a suggestion', async () => {
    await expectProblem('services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        publised: 8080\n', 'services.web.ports[0].publised', "did you mean 'published'");
  });
});
