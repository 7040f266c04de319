/**
 * Bodies are taken as sent: a number sent as text, a scalar or `null` where an update or a batch
 * is expected, are 400s naming the field; a body over the limit is a 413 naming `body` and the
 * limit; every client error has the one shape with a field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authOf, openFixture, type Fixture } from './fixture.js';

describe('strict request bodies', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await openFixture({ n: 60 });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  const post = (url: string, caller: Parameters<typeof authOf>[0], payload: string) =>
    fx.app.inject({ method: 'POST', url, headers: { ...authOf(caller), 'content-type': 'application/json' }, payload });

  it('a number sent as text is refused on claim bodies, naming the field', async () => {
    const r = await post(`/v1/townships/${fx.township}/alerts/claim`, 'caseworker', JSON.stringify({ requestId: 'strict-1', max: '5' }));
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: { code: 'LIFELINE_ERR_API_VALIDATION', field: 'max' } });
    // the same body with a number passes validation (whatever the claim itself then answers)
    const ok = await post(`/v1/townships/${fx.township}/alerts/claim`, 'caseworker', JSON.stringify({ requestId: 'strict-2', max: 1 }));
    expect(ok.json().error?.code ?? null).not.toBe('LIFELINE_ERR_API_VALIDATION');
  });

  it('a scalar, null or a string is not a batch of one', async () => {
    for (const body of ['null', '5', '"update"', 'true']) {
      const r = await post('/v1/updates', 'integration', body);
      expect(r.statusCode, body).toBe(400);
      expect(r.json().error.field, body).toBe('body');
    }
    expect(fx.publisher.updates).toHaveLength(0);
  });

  it('query strings still read numbers and booleans from text, but a repeated parameter is refused', async () => {
    expect((await fx.app.inject({ method: 'GET', url: `/v1/townships/${fx.township}/alerts?limit=2&overdue=false`, headers: authOf('caseworker') })).statusCode).toBe(200);
    const r = await fx.app.inject({ method: 'GET', url: `/v1/townships/${fx.township}/alerts?limit=2&limit=3`, headers: authOf('caseworker') });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.field).toBe('limit');
  });

  it('a 10 MB body is a 413 naming the field body and the limit', async () => {
    const big = JSON.stringify({ requestId: 'x'.repeat(10 * 1024 * 1024) });
    const r = await post(`/v1/townships/${fx.township}/alerts/claim`, 'caseworker', big);
    expect(r.statusCode).toBe(413);
    const limit = fx.env.config.api.bodyLimitBytes;
    expect(r.json()).toEqual({ error: { code: 'LIFELINE_ERR_API_BODY_TOO_LARGE', message: `body: larger than api.bodyLimitBytes (${limit} bytes)`, field: 'body', details: { limitBytes: limit } } });
  });

  it('every client error names a field: no key, wrong role, unknown route, unknown alert', async () => {
    const cases = [
      { r: await fx.app.inject({ method: 'GET', url: '/v1/stats' }), status: 401, field: 'authorization' },
      { r: await fx.app.inject({ method: 'GET', url: '/v1/audit', headers: authOf('analyst') }), status: 403, field: 'authorization' },
      { r: await fx.app.inject({ method: 'GET', url: '/v1/nothing-here', headers: authOf('admin') }), status: 404, field: 'url' },
      { r: await fx.app.inject({ method: 'GET', url: '/v1/alerts/no-such-alert', headers: authOf('admin') }), status: 404, field: 'id' },
      { r: await fx.app.inject({ method: 'POST', url: '/v1/updates', headers: { ...authOf('integration'), 'content-type': 'application/xml' }, payload: '<x/>' }), status: 415, field: 'content-type' },
    ];
    for (const c of cases) {
      expect(c.r.statusCode, c.r.body).toBe(c.status);
      expect(c.r.json().error.field, c.r.body).toBe(c.field);
    }
  });
});
