import { Module } from '@nestjs/common';
import { AgentSdkService } from './agent-sdk.service';

@Module({
  providers: [AgentSdkService],
  exports: [AgentSdkService],
})
export class AgentSdkModule {}
