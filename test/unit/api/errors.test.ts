import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, alreadyExists, badRequest, conflict, gone, invalid, methodNotAllowed, notFound, unauthorized } from '../../../src/api/errors.js';

test('notFound, with and without a group', () => {
  assert.equal(notFound('pods', 'x').message, 'pods "x" not found');
  const e = notFound('deployments', 'x', 'apps');
  assert.equal(e.message, 'deployments.apps "x" not found');
  assert.deepEqual(e.toStatus(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'deployments.apps "x" not found',
    reason: 'NotFound',
    details: { name: 'x', group: 'apps', kind: 'deployments' },
    code: 404,
  });
  assert.equal(notFound('', '/api/v9', '').message, 'the server could not find the requested resource');
});

test('alreadyExists and conflict', () => {
  const a = alreadyExists('pods', 'x');
  assert.equal(a.code, 409);
  assert.equal(a.reason, 'AlreadyExists');
  assert.equal(a.message, 'pods "x" already exists');
  const c = conflict('deployments', 'x', 'apps');
  assert.equal(c.code, 409);
  assert.equal(c.reason, 'Conflict');
  assert.equal(
    c.message,
    'Operation cannot be fulfilled on deployments.apps "x": the object has been modified; please apply your changes to the latest version and try again',
  );
});

test('invalid: one error, several errors, causes', () => {
  const one = invalid('Deployment', 'apps', 'x', [{ path: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }]);
  assert.equal(one.code, 422);
  assert.equal(one.message, 'Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  const two = invalid('Pod', 'p', [
    { path: 'spec.containers[0].image', message: 'Required value' },
    { path: 'spec.containers[0].imagePullPolcy', message: 'unknown field "imagePullPolcy"' },
  ]);
  assert.equal(two.message, 'Pod "p" is invalid: [spec.containers[0].image: Required value, spec.containers[0].imagePullPolcy: unknown field "imagePullPolcy"]');
  assert.deepEqual(two.toStatus().details, {
    name: 'p',
    kind: 'Pod',
    causes: [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
      { reason: 'FieldValueUnknown', message: 'unknown field "imagePullPolcy"', field: 'spec.containers[0].imagePullPolcy' },
    ],
  });
});

test('the small ones', () => {
  assert.deepEqual([unauthorized().code, unauthorized().message, unauthorized().reason], [401, 'Unauthorized', 'Unauthorized']);
  assert.deepEqual([gone('too old resource version: 1 (5)').code, gone('x').reason], [410, 'Expired']);
  assert.deepEqual([badRequest('nope').code, badRequest('nope').reason], [400, 'BadRequest']);
  assert.deepEqual([methodNotAllowed().code, methodNotAllowed().message], [405, 'the server does not allow this method on the requested resource']);
});

test('an ApiError round-trips through its Status', () => {
  const e = notFound('pods', 'x');
  const back = ApiError.fromStatus(JSON.parse(JSON.stringify(e.toStatus())));
  assert.ok(back instanceof Error);
  assert.deepEqual([back.code, back.reason, back.message, back.details], [e.code, e.reason, e.message, e.details]);
});
