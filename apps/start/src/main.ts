// `npm start`: the whole platform on one machine (libs/devstack/src/launcher.ts).
import 'reflect-metadata';
import { runLauncher } from '../../../libs/devstack/src/index.js';

await runLauncher();
