'use strict';
// The tutorial's function in its own language, as the tutorial prints it: callback style, statusCode as a
// string, the document-style DynamoDB client called with the request body as its parameters. The tutorial's
// `dynamodb-doc` (a wrapper of the AWS SDK v2 that Lambda's Node.js runtimes no longer ship) is replaced by
// the DynamoDB document client of the AWS SDK v3, which the nodejs18.x+ runtimes provide: same parameters
// (TableName, Item, Key, UpdateExpression...), plain JSON values. Its answers carry `$metadata`, which the
// v2 wrapper's did not: dropped, so the bodies are the tutorial's (`{}` for a PutItem, the scan's Items/Count).
// Left out, as in the tutorial: input validation (no query string or a body that is not JSON crashes the
// function: API Gateway answers 502), paging, authentication.

console.log('Loading function');

const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocument } = require('@aws-sdk/lib-dynamodb');

const dynamo = DynamoDBDocument.from(new DynamoDBClient({}));

// All the request info in event
// "handler" is defined on the function creation
exports.handler = (event, context, callback) => {
  // Callback to finish response
  const done = (err, res) => {
    let answer = res;
    if (res) {
      const { $metadata, ...rest } = res; // eslint-disable-line no-unused-vars
      answer = rest;
    }
    callback(null, {
      statusCode: err ? '400' : '200',
      body: err ? err.message : JSON.stringify(answer),
      headers: {
        'Content-Type': 'application/json',
      },
    });
  };
  // To support mock testing, accept object not just strings
  if (typeof event.body == 'string') event.body = JSON.parse(event.body);
  switch (event.httpMethod) {
    // Table name and key are in payload
    case 'DELETE':
      dynamo.delete(event.body, done);
      break;
    // No payload, just a query string param
    case 'GET':
      dynamo.scan({ TableName: event.queryStringParameters.TableName }, done);
      break;
    // Table name and key are in payload
    case 'POST':
      dynamo.put(event.body, done);
      break;
    // Table name and key are in payload
    case 'PUT':
      dynamo.update(event.body, done);
      break;
    default:
      done(new Error(`Unsupported method "${event.httpMethod}"`));
  }
};
