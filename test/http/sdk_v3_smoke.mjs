// A smoke run of the AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb)
// against ddb's HTTP endpoint, run by test/http_sdk_js.sh with
// DDB_HTTP_PORT, DDB_KEY and DDB_SECRET in the environment.
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, GetItemCommand,
  UpdateItemCommand, QueryCommand, ScanCommand, DeleteItemCommand, DeleteTableCommand,
  BatchWriteItemCommand, TransactWriteItemsCommand, ListTablesCommand,
} from "@aws-sdk/client-dynamodb";

const endpoint = `http://localhost:${process.env.DDB_HTTP_PORT}`;
const client = (secret) => new DynamoDBClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: process.env.DDB_KEY, secretAccessKey: secret ?? process.env.DDB_SECRET },
});
const ddb = client();
let passed = 0, failed = 0;
const check = (name, ok, detail) => {
  if (ok) { passed++; console.log(`ok     ${name}`); } else { failed++; console.log(`FAILED ${name}`, detail ?? ""); }
};
const errorName = async (promise) => { try { await promise; return null; } catch (e) { return e.name; } };

const T = "sdk_v3_orders";
if ((await ddb.send(new ListTablesCommand({}))).TableNames.includes(T))
  await ddb.send(new DeleteTableCommand({ TableName: T }));
const created = await ddb.send(new CreateTableCommand({
  TableName: T, BillingMode: "PAY_PER_REQUEST",
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
}));
check("CreateTable", created.TableDescription.TableStatus === "ACTIVE");
const described = await ddb.send(new DescribeTableCommand({ TableName: T }));
check("DescribeTable", described.Table.CreationDateTime instanceof Date && described.Table.KeySchema.length === 2);
await ddb.send(new PutItemCommand({ TableName: T, Item: { pk: { S: "a" }, sk: { N: "1" }, v: { S: "x\u0000y" },
                                                         b: { B: new Uint8Array([0, 1, 255]) } } }));
const got = await ddb.send(new GetItemCommand({ TableName: T, Key: { pk: { S: "a" }, sk: { N: "1" } } }));
check("PutItem and GetItem (U+0000, binary)", got.Item.v.S === "x\u0000y" && got.Item.b.B[2] === 255, got.Item);
await ddb.send(new BatchWriteItemCommand({ RequestItems: { [T]: [2, 3, 4].map((n) => (
  { PutRequest: { Item: { pk: { S: "a" }, sk: { N: String(n) } } } })) } }));
const updated = await ddb.send(new UpdateItemCommand({
  TableName: T, Key: { pk: { S: "a" }, sk: { N: "1" } }, UpdateExpression: "ADD n :one",
  ExpressionAttributeValues: { ":one": { N: "5" } }, ReturnValues: "UPDATED_NEW" }));
check("UpdateItem", updated.Attributes.n.N === "5", updated);
const queried = await ddb.send(new QueryCommand({
  TableName: T, KeyConditionExpression: "pk = :p AND sk BETWEEN :lo AND :hi",
  ExpressionAttributeValues: { ":p": { S: "a" }, ":lo": { N: "2" }, ":hi": { N: "3" } } }));
check("BatchWriteItem and Query", queried.Count === 2, queried);
const scanned = await ddb.send(new ScanCommand({ TableName: T, Select: "COUNT" }));
check("Scan", scanned.Count === 4, scanned);
check("ConditionalCheckFailedException", await errorName(ddb.send(new PutItemCommand({
  TableName: T, Item: { pk: { S: "a" }, sk: { N: "1" } }, ConditionExpression: "attribute_not_exists(pk)" })))
  === "ConditionalCheckFailedException");
let reasons = null;
try {
  await ddb.send(new TransactWriteItemsCommand({ TransactItems: [
    { ConditionCheck: { TableName: T, Key: { pk: { S: "a" }, sk: { N: "1" } }, ConditionExpression: "attribute_not_exists(pk)" } },
    { Put: { TableName: T, Item: { pk: { S: "b" }, sk: { N: "1" } } } }] }));
} catch (e) { reasons = e.name === "TransactionCanceledException" ? e.CancellationReasons.map((r) => r.Code) : e.name; }
check("TransactionCanceledException with CancellationReasons",
      JSON.stringify(reasons) === JSON.stringify(["ConditionalCheckFailed", "None"]), reasons);
check("ResourceNotFoundException", await errorName(ddb.send(new GetItemCommand({
  TableName: "sdk_v3_missing", Key: { pk: { S: "a" } } }))) === "ResourceNotFoundException");
check("a wrong secret is InvalidSignatureException",
      await errorName(client("wrong").send(new ListTablesCommand({}))) === "InvalidSignatureException");
await ddb.send(new DeleteItemCommand({ TableName: T, Key: { pk: { S: "a" }, sk: { N: "4" } } }));
check("DeleteItem", (await ddb.send(new ScanCommand({ TableName: T, Select: "COUNT" }))).Count === 3);
const deleted = await ddb.send(new DeleteTableCommand({ TableName: T }));
check("DeleteTable", deleted.TableDescription.TableStatus === "DELETING");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
