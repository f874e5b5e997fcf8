import { buildDualwriteApp } from '../lib/dualwrite-app';

buildDualwriteApp().app.synth();
