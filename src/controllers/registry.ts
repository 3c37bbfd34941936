// The controllers of a cluster's control plane, in the order a run calls them.
import type { Controller } from './types';

export const CONTROLLERS: Controller[] = [];
