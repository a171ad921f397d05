"""The agent's mid-call tools (telephonic signatures, the interpreter line, ending an abusive
call, flagging a threat): one way in for every tool, from the phone's codes and the API."""
