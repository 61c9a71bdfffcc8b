"""A CRUD function for items: GET /items, POST /items, GET /items/{id}, DELETE /items/{id}."""
import json
import os
import uuid

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def _answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event, context):
    method, item_id = event["httpMethod"], (event.get("pathParameters") or {}).get("id")
    if method == "GET" and item_id is None:
        return _answer(200, {"items": TABLE.scan().get("Items", []), "greeting": os.environ.get("GREETING")})
    if method == "POST":
        try:
            item = json.loads(event.get("body") or "{}")
        except ValueError:
            return _answer(400, {"message": "the body is not JSON"})
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return _answer(400, {"message": "an item needs a name (text)"})
        item = {"id": str(uuid.uuid4()), "name": item["name"]}
        TABLE.put_item(Item=item)
        return _answer(201, item)
    if method == "GET":
        found = TABLE.get_item(Key={"id": item_id}).get("Item")
        return _answer(200, found) if found else _answer(404, {"message": f"no item {item_id}"})
    if method == "DELETE":
        TABLE.delete_item(Key={"id": item_id})
        return _answer(204, {})
    return _answer(405, {"message": f"{method} is not allowed"})
