import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InventoryStack } from '../lib/inventory-stack';

const app = new App();
// Every synthesis is checked against cdk-nag's AwsSolutions rules; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new InventoryStack(app, 'InventoryReservations');
app.synth();
