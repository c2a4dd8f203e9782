/**
 * The Temporal dynamic config the payout system gives its server (docker-compose.yml, the cluster harness):
 * only the read queues move to one partition, and the file spells every value out. That the server accepts
 * it is proven on the real cluster (test/cluster/cluster.test.ts).
 */
import { load } from 'js-yaml';
import { dynamicConfigYaml, payoutDynamicConfig } from '../../scripts/cluster/dynamic-config';

it('puts the read queue of each payout task queue, and nothing else, on one read and one write partition', () => {
  const config = payoutDynamicConfig(['payouts', 'eu-payouts']);
  const onePartition = [
    { value: 1, constraints: { taskQueueName: 'payouts-fintecture-reads' } },
    { value: 1, constraints: { taskQueueName: 'eu-payouts-fintecture-reads' } },
  ];
  expect(config).toEqual({
    'matching.numTaskqueueReadPartitions': onePartition,
    'matching.numTaskqueueWritePartitions': onePartition,
  });
  expect(payoutDynamicConfig([])).toEqual({});
});

it('writes YAML that reads back the same, without anchors an operator would have to follow', () => {
  const config = {
    'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
    ...payoutDynamicConfig(['payouts']),
  };
  const yaml = dynamicConfigYaml(config);
  expect(load(yaml)).toEqual(config);
  expect(yaml).not.toMatch(/[&*]ref/);
  expect(yaml.match(/taskQueueName: payouts-fintecture-reads$/gm)).toHaveLength(2);
});
