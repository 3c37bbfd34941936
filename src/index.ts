// Worker entry: the Hono app and the Durable Object class.
import { app } from './api/app';

export { Cluster } from './durable/cluster';
export { SignupLimiter } from './durable/rate-limiter';
export default app;
