import { Test, TestingModule } from '@nestjs/testing';
import { AgentSdkService } from './agent-sdk.service';

describe('AgentSdkService', () => {
  let service: AgentSdkService;

  beforeEach(async () => {
    const module: TestingModule = await Test.createTestingModule({
      providers: [AgentSdkService],
    }).compile();

    service = module.get<AgentSdkService>(AgentSdkService);
  });

  it('should be defined', () => {
    expect(service).toBeDefined();
  });
});
