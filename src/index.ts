// Worker entry: the Hono app and the Durable Object class.
import { app } from './api/app';

export { Cluster } from './durable/cluster';
export default app;
